/**
 * STOMP for browsers (docs/CONTRACT.md "STOMP"): `GET /stomp` over WebSocket and `/sockjs`
 * over SockJS, both the same sessions on the same hub. Build with createStompTransport; mount
 * `routes()` and `upgrades()` on the HTTP server.
 */
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Route } from '../../../http/router.js';
import { TRANSPORT_PATHS } from '../../../protocol/transports.js';
import type { TransportDeps } from '../transport-deps.js';
import { createSockjsEndpoint } from './sockjs-endpoint.js';
import { createStompEndpoint } from './stomp-endpoint.js';
import type { StompDeps } from './stomp-deps.js';
import { createUserQueues } from './user-queues.js';

export interface StompTransport {
  routes(): Route[];
  /** `/stomp`, and `/sockjs/*` for SockJS's websocket transport. */
  upgrades(): Record<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  /** Drops every STOMP connection still open (after the hub has told its subscribers why). */
  close(): Promise<void>;
}

export function createStompTransport(deps: TransportDeps & Pick<StompDeps, 'publish'>): StompTransport {
  const full: StompDeps = { ...deps, userQueues: createUserQueues() };
  const ws = createStompEndpoint(full);
  const sockjs = createSockjsEndpoint(full);
  return {
    routes: () => sockjs.routes(),
    upgrades: () => ({ [TRANSPORT_PATHS.stomp]: ws.handleUpgrade, [`${TRANSPORT_PATHS.sockjs}/*`]: sockjs.handleUpgrade }),
    async close() {
      sockjs.close();
      await ws.close();
    },
  };
}
