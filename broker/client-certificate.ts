/**
 * Device logins by TLS client certificate on the MQTT TLS listener (`--mqtt-client-cert`): a
 * certificate that chains to the configured CA names its user in the subject CN. `require`
 * refuses a handshake without a valid one; `optional` lets clients without a certificate log in
 * with a password, and closes a connection whose certificate does not verify (a device with a
 * bad certificate should hear about it, not be taken for an anonymous client).
 */
import type { TLSSocket, TlsOptions } from 'node:tls';

export type ClientCertMode = 'off' | 'optional' | 'require';

export const CLIENT_CERT_MODES: readonly ClientCertMode[] = ['off', 'optional', 'require'];

/** The TLS server options for `mode`; `ca` verifies the certificates. */
export function clientCertOptions(mode: ClientCertMode, ca: Buffer | undefined): Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized' | 'ca'> {
  if (mode === 'off' || ca === undefined) return { requestCert: false };
  return { requestCert: true, rejectUnauthorized: mode === 'require', ca };
}

/** The user a secured connection's certificate names (null: none presented, or the mode is off), or why it is refused. */
export function certificateUser(socket: TLSSocket, mode: ClientCertMode): { name: string | null } | { refused: string } {
  if (mode === 'off') return { name: null };
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { name: null };
  if (!socket.authorized) return { refused: `client certificate not accepted: ${String(socket.authorizationError)}` };
  const cn: unknown = cert.subject?.CN;
  if (typeof cn !== 'string' || cn === '') return { refused: 'client certificate names no single subject CN' };
  return { name: cn };
}
