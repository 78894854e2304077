/**
 * STOMP with `@stomp/stompjs`, on `GET /stomp` (WebSocket) or `/sockjs` (SockJS), as Spring
 * front ends do it (docs/CONTRACT.md "STOMP"): one SUBSCRIBE for every filter (a composite
 * `/topic/…,/topic/…` destination), `since` to resume, the message JSON in each MESSAGE body.
 */
import { Client, type IMessage } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import { STOMP_CONTROL_HEADER, STOMP_SUBPROTOCOLS } from '../../../protocol/stomp.js';
import { TRANSPORT_PATHS } from '../../../protocol/transports.js';
import { isHubMessage, parseJson } from './message-guard.js';
import type { Transport, TransportOptions } from './transport.js';
import { utf8Length } from './transport.js';
import { wsFrameBytes, wsUrl } from './ws-transport.js';

/** The SockJS transports the hub offers (bridge/transports/stomp/sockjs-endpoint.ts), best first. */
const SOCKJS_TRANSPORTS = ['websocket', 'xhr-streaming', 'eventsource', 'xhr-polling'];
/** ms between heart-beats each way; the hub answers with at least its own interval. */
const HEARTBEAT_MS = 20_000;

/** A MESSAGE frame's size as it crossed the wire: command, headers, blank line, body, NULL. */
function frameBytes(m: IMessage): number {
  let head = 'MESSAGE\n';
  for (const [k, v] of Object.entries(m.headers)) head += `${k}:${v}\n`;
  return utf8Length(`${head}\n${m.body}\0`);
}

export function createStompTransport(opts: TransportOptions, over: 'websocket' | 'sockjs'): Transport {
  const { handlers } = opts;
  let client: Client | null = null;

  const stop = (): void => {
    const c = client;
    client = null;
    void c?.deactivate();
  };

  return {
    kind: over === 'sockjs' ? 'sockjs' : 'stomp',
    open(since) {
      stop();
      const c = new Client({
        webSocketFactory: () => (over === 'sockjs' ? new SockJS(`${opts.origin ?? ''}${TRANSPORT_PATHS.sockjs}`, null, { transports: SOCKJS_TRANSPORTS }) : new WebSocket(wsUrl(opts.origin, TRANSPORT_PATHS.stomp), [...STOMP_SUBPROTOCOLS])),
        reconnectDelay: 0,
        heartbeatIncoming: HEARTBEAT_MS,
        heartbeatOutgoing: HEARTBEAT_MS,
        debug: () => undefined,
      });
      client = c;
      handlers.request();
      const closed = (reason: string): void => {
        if (client !== c) return;
        stop();
        handlers.closed(reason);
      };
      c.onConnect = () => {
        if (client !== c) return;
        const destination = opts.filters.map((f) => `/topic/${f}`).join(',');
        const headers: Record<string, string> = since === null ? {} : { since: String(since) };
        c.subscribe(
          destination,
          (m) => {
            if (client !== c) return;
            if (m.headers[STOMP_CONTROL_HEADER] === 'reset') return handlers.reset();
            const msg = parseJson(m.body);
            if (isHubMessage(msg)) handlers.message(msg, over === 'sockjs' ? frameBytes(m) : wsFrameBytes(frameBytes(m)));
          },
          headers,
        );
        handlers.open();
      };
      c.onStompError = (frame) => closed(frame.headers.message ?? 'the hub sent a STOMP ERROR');
      c.onWebSocketClose = (ev: CloseEvent) => closed(ev.reason || `socket closed (${ev.code})`);
      c.activate();
    },
    close: stop,
  };
}
