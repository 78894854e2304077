/**
 * `GET /ws`: WebSocket (RFC 6455) with JSON text frames. One socket is one subscriber whose
 * filters change with `subscribe`/`unsubscribe`. The upgrade is refused (with an HTTP status)
 * for a foreign Origin or a missing login, before any WebSocket exists. Liveness: a ping every
 * `pingIntervalMs`; a socket that did not answer the previous one is ended. Backpressure: a
 * socket holding more than `wsHighWaterBytes` unsent counts as full until its last frame
 * leaves. Bad frames: each is answered with an error frame only while the socket has room (a
 * client that sends without reading gets no more replies), and a socket that sends more than
 * `wsBadFramesPerMinute` is closed 1008.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { User } from '../../auth/index.js';
import type { ServerFrame } from '../../protocol/message.js';
import { refuseUpgrade } from '../../http/respond.js';
import type { Sink } from '../hub/subscriber.js';
import { corked } from './corked.js';
import { messageFrame } from './encode.js';
import { parseKey } from '../../http/params.js';
import type { TransportDeps } from './transport-deps.js';
import { closeReason, upgradeUrl } from './upgrade.js';
import { type WsSession, dispatch } from './ws-ops.js';

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Waits up to `graceMs` for sockets to finish their closing handshake, then cuts the rest. */
  close(graceMs: number): Promise<void>;
}

/** RFC 6455 §7.4.1: 1001 going away, 1008 policy violation, 1013 try again later. */
const GOING_AWAY = 1001;
const POLICY_VIOLATION = 1008;
const TRY_AGAIN_LATER = 1013;
const MINUTE_MS = 60_000;

export function createWsTransport(deps: TransportDeps): WsTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.maxFrameBytes, perMessageDeflate: false });
  const alive = new Map<WebSocket, { answered: boolean; session: WsSession }>();
  const log = deps.logger.child({ part: 'ws' });
  const written = deps.metrics.bytes.tally({ transport: 'ws' });

  /** `socket` is the one `ws` writes to: held corked while a batch is sent. */
  const connect = (ws: WebSocket, socket: Duplex, user: User, key: string | null): void => {
    let blocked = false;
    const send = (frame: ServerFrame): void => ws.send(JSON.stringify(frame));
    const flushed = (): void => {
      if (!blocked) return;
      blocked = false;
      session.sub.drained();
    };
    const sink: Sink = {
      write(batch) {
        const frames = batch.map(messageFrame); // all encoded before any is sent (Sink.write may throw)
        // After a close frame nothing may follow (RFC 6455 §5.5.1); ws.send drops it then too.
        if (ws.readyState !== ws.OPEN) return true;
        // The frames go to the socket as ws's own sender writes them (synchronously: no
        // compression here), without a header and two writes per frame for each socket.
        let bytes = 0;
        corked(socket, () => {
          for (let i = 0; i < frames.length; i++) {
            const frame = frames[i] as Buffer;
            bytes += frame.length;
            socket.write(frame, i === frames.length - 1 ? flushed : undefined);
          }
        });
        written.inc(bytes);
        blocked = ws.bufferedAmount > deps.limits.wsHighWaterBytes;
        return !blocked;
      },
      reset: () => send({ op: 'reset' }),
      end(reason, why) {
        if (why === 'stalled' || why === 'unresponsive') ws.terminate();
        else ws.close(why === 'bad_frames' ? POLICY_VIOLATION : GOING_AWAY, closeReason(reason));
      },
    };
    const subscribed = deps.hub.subscribe({ transport: 'ws', filters: [], key, sink });
    if (!subscribed.ok) {
      send({ op: 'error', error: subscribed.error });
      ws.close(TRY_AGAIN_LATER, closeReason(subscribed.error));
      return;
    }
    const session: WsSession = { sub: subscribed.value, user, own: [], send };
    alive.set(ws, { answered: true, session });
    let badFrames = 0;
    let badSince = Date.now();
    const answerError = (error: string): void => {
      const now = Date.now();
      if (now - badSince >= MINUTE_MS) [badFrames, badSince] = [0, now];
      const limit = deps.limits.wsBadFramesPerMinute;
      if (++badFrames > limit) return session.sub.end(`more than ${limit} bad frames in a minute`, 'bad_frames');
      // An error frame is advice, not data: one that would queue behind a full socket is dropped.
      if (ws.bufferedAmount <= deps.limits.wsHighWaterBytes) send({ op: 'error', error });
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== ws.OPEN) return;
      try {
        const done = dispatch(session, data as Buffer, isBinary, deps);
        if (!done.ok) answerError(done.error);
      } catch (err) {
        // A throw here would escape into the socket's event loop turn: answer it instead.
        log.error({ err }, 'websocket frame failed');
        send({ op: 'error', error: 'internal error' });
      }
    });
    ws.on('pong', () => {
      const entry = alive.get(ws);
      if (entry) entry.answered = true;
    });
    ws.on('error', (err) => log.debug({ err: err.message }, 'websocket error'));
    ws.on('close', () => {
      alive.delete(ws);
      session.sub.detach();
    });
  };

  const pinger = setInterval(() => {
    for (const [ws, entry] of alive) {
      if (!entry.answered) {
        entry.session.sub.end('unresponsive: no answer to ping', 'unresponsive');
        continue;
      }
      entry.answered = false;
      ws.ping();
    }
  }, deps.limits.pingIntervalMs);
  pinger.unref();

  return {
    handleUpgrade(req, socket, head) {
      const url = upgradeUrl(req, socket);
      if (!url) return;
      const who = deps.access.check(req, url, 'viewer', { urlToken: true });
      if (!who.ok) return refuseUpgrade(socket, who.code, who.error);
      const key = parseKey(url.searchParams.get('subscriber'));
      if (!key.ok) return refuseUpgrade(socket, key.code, key.error);
      if (deps.hub.size() >= deps.limits.maxSubscribers) return refuseUpgrade(socket, 'too_many', 'the hub serves as many subscribers as it may');
      wss.handleUpgrade(req, socket, head, (ws) => connect(ws, socket, who.value, key.value));
    },
    async close(graceMs) {
      clearInterval(pinger);
      const open = [...wss.clients];
      const closed = Promise.all(open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((r) => ws.once('close', r)))));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
