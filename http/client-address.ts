/**
 * The address of the client behind a request, for logs and per-address limits: the socket's
 * peer, or the address a PROXY protocol header gave for the connection, or — when the hub
 * trusts that peer as a reverse proxy (`--trust-proxy`) — the one its forwarding header names.
 * The HTTP server works it out once per request (`settleClientAddress`); every part reads it
 * with `clientAddress`.
 */
import type { IncomingMessage } from 'node:http';
import { proxiedAddress } from '../net/proxy-listener.js';
import { type TrustedProxies, forwardedClient } from './trusted-proxies.js';

const settled = new WeakMap<IncomingMessage, string>();

/** The connection's own client: the PROXY header's address, else the socket's peer. */
export function peerAddress(socket: object & { remoteAddress?: string | undefined }): string {
  return proxiedAddress(socket) ?? socket.remoteAddress ?? 'unknown';
}

/** Works out and keeps the client address of `req`; `trust` null: forwarding headers are ignored. */
export function settleClientAddress(req: IncomingMessage, trust: TrustedProxies | null): string {
  const peer = peerAddress(req.socket);
  const address = trust ? forwardedClient(req.headers, peer, trust) : peer;
  settled.set(req, address);
  return address;
}

/** The client address of `req`: as settled by the HTTP server, or the connection's own for a request it did not see. */
export function clientAddress(req: IncomingMessage): string {
  return settled.get(req) ?? peerAddress(req.socket);
}
