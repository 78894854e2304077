/**
 * Throwaway certificates made with the openssl command line: a server pair for 127.0.0.1, and a
 * CA with client certificates signed by it (for device certificate logins).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface PemFiles {
  cert: string;
  key: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });

/** A self-signed certificate for 127.0.0.1 with common name `cn`; with `ca`, a CA certificate able to sign others. */
export function selfSigned(dir: string, cn: string, ca = false): PemFiles {
  const files = { cert: join(dir, `${cn}.cert.pem`), key: join(dir, `${cn}.key.pem`) };
  const extensions = ca ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : ['-addext', 'subjectAltName=IP:127.0.0.1'];
  openssl(['req', '-x509', ...EC_KEY, '-days', '1', '-subj', `/CN=${cn}`, ...extensions, '-keyout', files.key, '-out', files.cert]);
  return files;
}

/** A client certificate with subject CN `cn`, signed by `ca`. */
export function clientCert(dir: string, ca: PemFiles, cn: string): PemFiles {
  const files = { cert: join(dir, `client-${cn}.cert.pem`), key: join(dir, `client-${cn}.key.pem`) };
  const request = join(dir, `client-${cn}.csr`);
  openssl(['req', '-new', ...EC_KEY, '-subj', `/CN=${cn}`, '-keyout', files.key, '-out', request]);
  openssl(['x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-out', files.cert]);
  return files;
}
