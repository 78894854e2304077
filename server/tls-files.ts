/**
 * The TLS certificate and key (and the CA for device certificates), read and checked together. Both the start-up and a reload go
 * through here, so a pair that does not parse is refused with the same line either way.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** `--mqtt-tls-ca`: verifies client certificates on MQTT over TLS. */
  ca?: Buffer | undefined;
}

function read(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${option} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/** Reads the PEM pair (and CA bundle) and proves them usable (the key matches the certificate, the CA parses); throws one line. */
export function readTlsFiles(certFile: string, keyFile: string, caFile: string | null = null): TlsFiles {
  const files = { cert: read(certFile, '--tls-cert'), key: read(keyFile, '--tls-key') };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new Error(`--tls-cert ${certFile} with --tls-key ${keyFile} cannot be used: ${(err as Error).message}.`);
  }
  if (caFile === null) return files;
  const ca = read(caFile, '--mqtt-tls-ca');
  // createSecureContext skips what is not a certificate, so an empty or garbled file must be caught here.
  if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) throw new Error(`--mqtt-tls-ca ${caFile} holds no PEM certificate.`);
  try {
    createSecureContext({ ca });
  } catch (err) {
    throw new Error(`--mqtt-tls-ca ${caFile} cannot be used: ${(err as Error).message}.`);
  }
  return { ...files, ca };
}
