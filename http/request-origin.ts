/**
 * Where a browser request comes from, checked on every request and WebSocket upgrade.
 *
 * Origin: a request that carries one must come from the hub's own origin or an allowed one.
 * It is the only defence a WebSocket has, since browsers apply no CORS to it (RFC 6455 §10.2).
 *
 * Host: "the hub's own origin" is judged by the Host header, and DNS rebinding makes a foreign
 * page's Host and Origin agree (`evil.example` resolved to 127.0.0.1). A hub without a users
 * file therefore answers only to loopback names, IP literals (rebinding needs a DNS name: a
 * browser sends an IP as Host only when it connected to that IP) and the names it is told to
 * allow. With a users file any Host is answered: a rebound name carries no session cookie.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Why a request is refused, or null when it may go on. */
export type RequestCheck = (req: IncomingMessage) => string | null;

/** The host name of a Host header value (`[::1]:8080` → `::1`), lower case; null when it is not one. */
function hostName(header: string | undefined): string | null {
  if (header === undefined || header === '') return null;
  try {
    const name = new URL(`http://${header}`).hostname.toLowerCase();
    return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  } catch {
    return null;
  }
}

/** `allowHosts: 'any'` answers every Host; otherwise loopback names, IP literals and the names listed. */
export function hostCheck(allowHosts: readonly string[] | 'any'): RequestCheck {
  if (allowHosts === 'any') return () => null;
  const allowed = new Set(['localhost', ...allowHosts.map((h) => h.toLowerCase())]);
  return (req) => {
    const name = hostName(req.headers.host);
    if (name !== null && (allowed.has(name) || isIP(name) !== 0)) return null;
    return `this hub has no users file and answers only to localhost, IP addresses and --allow-host names, not ${JSON.stringify(String(req.headers.host ?? '').slice(0, 100))}`;
  };
}

/** Requests without an Origin (not from a browser page, or a same-origin navigation) pass. */
export function originCheck(allowOrigins: readonly string[]): RequestCheck {
  const allowed = new Set(allowOrigins);
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin)) return null;
    try {
      if (new URL(origin).host === req.headers.host) return null;
    } catch {
      // an unparsable Origin (including "null") is refused below
    }
    return `origin ${origin.slice(0, 100)} is not allowed; start the hub with --allow-origin to permit it`;
  };
}
