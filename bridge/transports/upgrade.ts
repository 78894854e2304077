/** What every WebSocket endpoint (`/ws`, `/stomp`, SockJS's) does at the HTTP upgrade and at close. */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';

/** Answers an upgrade with an HTTP error instead of a WebSocket. */
export function refuse(socket: Duplex, code: ErrorCode, error: string): void {
  const status = ERRORS[code];
  const body = JSON.stringify({ error, code });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The upgrade request's URL; null once it has been refused as unparsable. */
export function upgradeUrl(req: IncomingMessage, socket: Duplex): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://hub');
  } catch {
    refuse(socket, 'bad_request', 'the request URL cannot be parsed');
    return null;
  }
}

/** A close reason must fit a control frame: 123 bytes (RFC 6455 §5.5). */
export const closeReason = (reason: string): string => Buffer.from(reason).subarray(0, 120).toString();
