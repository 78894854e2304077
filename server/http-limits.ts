/**
 * Bounds of the HTTP port, one typed defaults object (merged by spread, checked once). A client
 * that holds a connection without sending, or sends a body that never ends, is answered 408 and
 * cut; connections are capped per client address (429) and in total (503), WebSockets and
 * streams included. HTTP never takes more than half of the process's file descriptors, so a
 * flood of browsers cannot starve the MQTT devices of sockets.
 */
import { readFileSync } from 'node:fs';

export interface HttpLimits {
  /** ms a new or reused connection has to send a request's headers; then 408 and closed. This is also how long a silent connection lives. */
  headersTimeoutMs: number;
  /** ms to receive a whole request, body included (not the response: streams are not affected); then 408. */
  requestTimeoutMs: number;
  /** ms an idle keep-alive connection is kept between requests. */
  keepAliveTimeoutMs: number;
  /** Open HTTP connections at once, upgraded WebSockets and streams included; more get 503. At most half the open-file limit is used. */
  maxConnections: number;
  /** Open HTTP connections from one client address; more get 429. Behind a reverse proxy every browser has the proxy's address. */
  maxConnectionsPerAddress: number;
}

export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
};

/** Share of the open-file limit HTTP may use; the rest is kept for MQTT, the database and logs. */
const HTTP_FD_SHARE = 0.5;

/** The process's open-file limit (Node raises the soft limit to the hard one at start), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Merges `overrides` over the defaults and caps maxConnections by the open-file limit; throws on a bad value. */
export function resolveHttpLimits(overrides: Partial<HttpLimits> = {}, fdLimit = openFileLimit()): HttpLimits {
  const limits = { ...HTTP_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`HTTP limit ${name} must be a positive whole number, got ${String(value)}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error('HTTP limit headersTimeoutMs (--http-headers-timeout) must not exceed requestTimeoutMs (--http-request-timeout)');
  if (fdLimit !== null) limits.maxConnections = Math.max(1, Math.min(limits.maxConnections, Math.floor(fdLimit * HTTP_FD_SHARE)));
  return limits;
}
