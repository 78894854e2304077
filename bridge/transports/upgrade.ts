/** What every WebSocket endpoint (`/ws`, `/stomp`, SockJS's) does at the HTTP upgrade and at close. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../../http/respond.js';

/** The upgrade request's URL; null once it has been refused as unparsable. */
export function upgradeUrl(req: IncomingMessage, socket: Duplex): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://hub');
  } catch {
    refuseUpgrade(socket, 'bad_request', 'the request URL cannot be parsed');
    return null;
  }
}

/** A close reason must fit a control frame: 123 bytes (RFC 6455 §5.5). */
export const closeReason = (reason: string): string => Buffer.from(reason).subarray(0, 120).toString();
