/** WebSocket on `GET /ws` with the contract's JSON frames (CONTRACT.md "WebSocket frames"). */
import type { ClientFrame } from '../../../protocol/message.js';
import { isHubMessage, parseJson } from './message-guard.js';
import { utf8Length, type Transport, type TransportOptions } from './transport.js';
import { TRANSPORT_PATHS } from '../../../protocol/transports.js';

/** RFC 6455 §5.2: an unmasked server frame has a 2, 4 or 10 byte header depending on length. */
export const wsFrameBytes = (payload: number): number => payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);

export function wsUrl(origin: string | undefined, path: string): string {
  const base = new URL(origin ?? window.location.origin);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  base.pathname = path;
  return base.toString();
}

export function createWsTransport(opts: TransportOptions): Transport {
  const { handlers } = opts;
  let socket: WebSocket | null = null;

  const stop = (): void => {
    const s = socket;
    socket = null;
    if (s && s.readyState <= WebSocket.OPEN) s.close(1000, 'closed by the page');
  };

  return {
    kind: 'ws',
    open(since) {
      stop();
      const ws = new WebSocket(wsUrl(opts.origin, TRANSPORT_PATHS.ws));
      socket = ws;
      handlers.request();
      ws.onopen = () => {
        const frame: ClientFrame = { op: 'subscribe', topics: [...opts.filters], ...(since === null ? {} : { since }) };
        ws.send(JSON.stringify(frame));
        handlers.open();
      };
      ws.onmessage = (ev: MessageEvent<unknown>) => {
        if (socket !== ws || typeof ev.data !== 'string') return;
        const frame = parseJson(ev.data);
        if (isHubMessage(frame)) handlers.message(frame, wsFrameBytes(utf8Length(ev.data)));
        else if (typeof frame === 'object' && frame !== null && (frame as { op?: unknown }).op === 'reset') handlers.reset();
      };
      ws.onclose = (ev) => {
        if (socket !== ws) return;
        socket = null;
        handlers.closed(ev.reason || `socket closed (${ev.code})`);
      };
    },
    close: stop,
  };
}
