/**
 * The one thing a STOMP session needs from whatever carries it: a WebSocket (`ws`) or a SockJS
 * connection (any of its transports). Both carry text; neither tells when a write has left, so
 * the session watches `buffered()` (see stomp-session.ts).
 */
import type { Duplex } from 'node:stream';
import type { Connection } from 'sockjs';
import type { WebSocket } from 'ws';
import { corked } from '../corked.js';
import { closeReason } from '../upgrade.js';

export interface StompSocket {
  send(text: string): void;
  /** Runs `sends` so that the frames it sends leave together where the carrier can join them. */
  batch(sends: () => void): void;
  /** Bytes (or, for SockJS, characters) handed over and not yet written out. */
  buffered(): number;
  /** Ends politely once what was sent has gone. */
  close(reason: string): void;
  /** Drops the connection at once: for a client that reads nothing. */
  terminate(): void;
}

/** RFC 6455 §7.4.1: 1000 normal closure, 1008 policy violation. */
const NORMAL = 1000;
const POLICY = 1008;

/** `socket`: the one `ws` writes to, corked around a batch. */
export function wsSocket(ws: WebSocket, socket: Duplex): StompSocket {
  return {
    send: (text) => ws.send(text),
    batch: (sends) => corked(socket, sends),
    buffered: () => ws.bufferedAmount,
    close: (reason) => ws.close(reason === '' ? NORMAL : POLICY, closeReason(reason)),
    terminate: () => ws.terminate(),
  };
}

/** What `sockjs` keeps per session: frames waiting for the client's next poll or stream (lib/transport.js). */
interface SockjsInternals {
  _session?: { send_buffer?: string[] };
}

export function sockjsSocket(conn: Connection): StompSocket {
  return {
    send: (text) => void conn.write(text),
    // SockJS hands each frame to its receiver at once (they gather only between polls): nothing to join here.
    batch: (sends) => sends(),
    buffered: () => ((conn as unknown as SockjsInternals)._session?.send_buffer ?? []).reduce((n, s) => n + s.length, 0),
    close: (reason) => void conn.close(reason === '' ? String(NORMAL) : '3000', reason),
    terminate: () => conn.destroy(),
  };
}
