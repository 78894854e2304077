/**
 * `GET /stomp`: STOMP over WebSocket, subprotocols `v12.stomp`, `v11.stomp`, `v10.stomp`
 * (docs/CONTRACT.md "STOMP"). A foreign Origin is refused at the upgrade, before any
 * WebSocket exists; credentials on the request (session cookie, bearer token, `access_token`)
 * log the connection in, otherwise CONNECT must. Text and binary frames are both read as STOMP.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { User } from '../../../auth/index.js';
import type { Access } from '../../access/access.js';
import { clientAddress } from '../../../http/client-address.js';
import { refuseUpgrade } from '../../../http/respond.js';
import { upgradeUrl } from '../upgrade.js';
import { pickSubprotocol } from './negotiate.js';
import { dispatch } from './stomp-dispatch.js';
import type { StompDeps } from './stomp-deps.js';
import { StompSession } from './stomp-session.js';
import { wsSocket } from './stomp-socket.js';

export interface StompEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

/** Who the request's own credentials show; null when it carries none that are live (CONNECT may still log in). */
export function requestUser(access: Access, req: IncomingMessage, url: URL): User | null {
  const who = access.check(req, url, 'viewer', { urlToken: true }); // a WebSocket upgrade: a browser API that cannot set headers
  return who.ok ? who.value : null;
}

export function createStompEndpoint(deps: StompDeps): StompEndpoint {
  // A WebSocket message may hold a frame and a bit (the decoder answers an oversized frame with
  // an ERROR); a message past twice the frame limit closes the socket with 1009 (RFC 6455 §7.4.1).
  const maxPayload = 2 * deps.limits.maxFrameBytes;
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, handleProtocols: (offered) => pickSubprotocol(offered) });
  const log = deps.logger.child({ part: 'stomp' });
  /** Open connections, subscribed or not: bounded like subscribers. */
  let open = 0;

  const connect = (ws: WebSocket, socket: Duplex, user: User | null, address: string): void => {
    const session = new StompSession(wsSocket(ws, socket), deps, 'stomp', user, address, dispatch);
    open++;
    ws.on('message', (data: Buffer) => session.receive(data));
    ws.on('error', (err) => log.debug({ err: err.message }, 'stomp websocket error'));
    ws.on('close', () => {
      open--;
      session.closed();
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = upgradeUrl(req, socket);
      if (!url) return;
      const badOrigin = deps.access.originProblem(req);
      if (badOrigin) return refuseUpgrade(socket, 'forbidden', badOrigin);
      if (deps.hub.size() >= deps.limits.maxSubscribers || open >= deps.limits.maxSubscribers) return refuseUpgrade(socket, 'too_many', 'the hub serves as many subscribers as it may');
      const user = requestUser(deps.access, req, url);
      wss.handleUpgrade(req, socket, head, (ws) => connect(ws, socket, user, clientAddress(req)));
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
