/**
 * The TLS certificate and key, read and checked together. Both the start-up and a reload go
 * through here, so a pair that does not parse is refused with the same line either way.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function read(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${option} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/** Reads the PEM pair and proves it usable (the key matches the certificate); throws one line. */
export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const files = { cert: read(certFile, '--tls-cert'), key: read(keyFile, '--tls-key') };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new Error(`--tls-cert ${certFile} with --tls-key ${keyFile} cannot be used: ${(err as Error).message}.`);
  }
  return files;
}
