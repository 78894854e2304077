/**
 * One real client per browser transport, all behind the same small interface, so the delivery
 * suite runs unchanged against each: EventSource (the `eventsource` package), a `ws` socket,
 * long and short poll loops over fetch, an iframe stream whose scripts run in a VM context
 * standing in for the frame (postMessage to the parent is what they call), and `@stomp/stompjs`
 * on `GET /stomp` with one SUBSCRIBE for all the filters (a composite destination).
 */
import vm from 'node:vm';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import type { HubMessage, MessageKind } from '../../../protocol/message.js';
import { MESSAGE_KINDS } from '../../../protocol/message.js';
import { stompConnect } from './stomp-client.js';

export interface Session {
  /** Messages in the order received. */
  readonly messages: HubMessage[];
  /** Control frames besides messages ({op:"reset"}, {op:"end"}, {op:"error"}, ...), in order. */
  readonly controls: { op: string; [key: string]: unknown }[];
  /** The subscriber id the stream announced, if the transport announces one. */
  subscriber: string | null;
  /** The seq to resume after: the last message's, or the point a reset moved to. */
  cursor(): number | null;
  /** Sends a frame upstream; only on WebSocket. */
  send?(frame: object): void;
  close(): Promise<void>;
}

export interface OpenOptions {
  filters: string[];
  since?: number | null;
  /** Extra query parameters (access_token, subscriber, ...). */
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface TransportClient {
  readonly name: string;
  /** Resolves once the subscription is in place: anything published after it is delivered. */
  open(baseUrl: string, opts: OpenOptions): Promise<Session>;
}

function streamUrl(base: string, path: string, opts: OpenOptions): string {
  const url = new URL(path, base);
  for (const f of opts.filters) url.searchParams.append('topic', f);
  if (opts.since !== undefined && opts.since !== null) url.searchParams.set('since', String(opts.since));
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

class Collector implements Session {
  readonly messages: HubMessage[] = [];
  readonly controls: { op: string; [key: string]: unknown }[] = [];
  subscriber: string | null = null;
  protected resetTo: number | null = null;
  closer: () => Promise<void> = async () => undefined;
  send?: (frame: object) => void;

  constructor(since: number | null) {
    this.resetTo = since;
  }

  take(frame: unknown): void {
    const f = frame as HubMessage & { op?: string; subscriber?: string; since?: number };
    if (typeof f.seq === 'number') {
      this.messages.push(f);
      return;
    }
    this.controls.push(f as { op: string });
    if (f.op === 'hello') this.subscriber = f.subscriber ?? null;
    if (f.op === 'reset' && typeof f.since === 'number') this.resetTo = f.since;
  }

  cursor(): number | null {
    const last = this.messages.at(-1)?.seq ?? null;
    return last === null ? this.resetTo : Math.max(last, this.resetTo ?? 0);
  }

  close(): Promise<void> {
    return this.closer();
  }
}

export const sseClient: TransportClient = {
  name: 'sse',
  open(base, opts) {
    const session = new Collector(opts.since ?? null);
    const headers = opts.headers ?? {};
    const es = new EventSource(streamUrl(base, '/events', opts), { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) });
    session.closer = async () => es.close();
    for (const kind of MESSAGE_KINDS as readonly MessageKind[]) es.addEventListener(kind, (e) => session.take(JSON.parse(e.data)));
    for (const op of ['reset', 'end']) es.addEventListener(op, (e) => session.take(JSON.parse(e.data)));
    return new Promise((resolve, reject) => {
      es.addEventListener('hello', (e) => {
        session.take({ op: 'hello', ...JSON.parse(e.data) });
        resolve(session);
      });
      es.addEventListener('error', (e) => {
        if (session.subscriber === null) {
          es.close();
          reject(new Error(`EventSource failed: ${e.code ?? ''} ${e.message ?? ''}`));
        }
      });
    });
  },
};

export const wsClient: TransportClient = {
  name: 'ws',
  open(base, opts) {
    const session = new Collector(opts.since ?? null);
    const url = new URL('/ws', base.replace(/^http/, 'ws'));
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const ws = new WebSocket(url, { headers: opts.headers });
    session.send = (frame) => ws.send(JSON.stringify(frame));
    session.closer = () =>
      new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.terminate();
      });
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`ws upgrade refused: ${res.statusCode}`)));
      let ready = false;
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { op?: string; error?: string };
        // The barrier below: frames are handled in order, so its error means subscribe is done.
        if (!ready && frame.op === 'error' && frame.error?.includes('"op" must be one of')) {
          ready = true;
          return resolve(session);
        }
        session.take(frame);
      });
      ws.once('open', () => {
        const subscribe = opts.since === undefined || opts.since === null ? { op: 'subscribe', topics: opts.filters } : { op: 'subscribe', topics: opts.filters, since: opts.since };
        ws.send(JSON.stringify(subscribe));
        ws.send(JSON.stringify({ op: 'barrier' }));
      });
    });
  },
};

/** Polls in a loop from an explicit cursor, so nothing can fall between two requests. */
function pollClient(name: string, path: string, extra: Record<string, string>): TransportClient {
  return {
    name,
    async open(base, opts) {
      const session = new Collector(opts.since ?? null);
      const abort = new AbortController();
      const get = async (since: number | null, at: string, more: Record<string, string>) => {
        const res = await fetch(streamUrl(base, at, { ...opts, since, query: { ...opts.query, ...more } }), { headers: opts.headers, signal: abort.signal });
        if (res.status !== 200) throw new Error(`${at} answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as { messages: HubMessage[]; next: number; reset?: boolean };
      };
      // Without `since` a first short poll gives the current position: a cursor to start from.
      let cursor = opts.since ?? (await get(null, '/api/messages', {})).next;
      const loop = (async () => {
        while (!abort.signal.aborted) {
          const body = await get(cursor, path, extra).catch(() => null);
          if (!body) break;
          if (body.reset) session.take({ op: 'reset', since: body.messages[0] ? body.messages[0].seq - 1 : body.next });
          for (const m of body.messages) session.take(m);
          cursor = body.next;
          if (body.messages.length === 0 && name === 'short-poll') await new Promise((r) => setTimeout(r, 20));
        }
      })();
      session.closer = async () => {
        abort.abort();
        await loop;
      };
      return session;
    },
  };
}

export const longPollClient = pollClient('long-poll', '/api/poll', { timeout: '2', limit: '1000' });
export const shortPollClient = pollClient('short-poll', '/api/messages', { limit: '1000' });

export const iframeClient: TransportClient = {
  name: 'iframe',
  async open(base, opts) {
    const session = new Collector(opts.since ?? null);
    const abort = new AbortController();
    const res = await fetch(streamUrl(base, '/stream/iframe', opts), { headers: opts.headers, signal: abort.signal });
    if (res.status !== 200 || !res.body) throw new Error(`iframe stream answered ${res.status}: ${await res.text()}`);
    // The frame: its scripts call window.parent.postMessage, which hands the value to the session.
    const frame = vm.createContext({ location: { origin: base }, window: { parent: { postMessage: (x: unknown) => session.take(structuredClone(x)) } } });
    let hello: () => void = () => undefined;
    const ready = new Promise<void>((r) => (hello = r));
    const pump = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          text += decoder.decode(chunk, { stream: true });
          const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/g;
          let end = 0;
          for (let m = script.exec(text); m; m = script.exec(text)) {
            vm.runInContext(m[1] as string, frame);
            end = script.lastIndex;
          }
          text = text.slice(end);
          if (session.subscriber !== null) hello();
        }
      } catch {
        // aborted by close()
      }
    })();
    session.closer = async () => {
      abort.abort();
      await pump;
    };
    await ready;
    return session;
  },
};

export const stompClient: TransportClient = {
  name: 'stomp',
  async open(base, opts) {
    const session = new Collector(opts.since ?? null);
    const link = await stompConnect(base, { headers: opts.headers });
    session.closer = () => link.close();
    const destination = opts.filters.map((f) => `/topic/${f}`).join(',');
    const since: Record<string, string> = opts.since === undefined || opts.since === null ? {} : { since: String(opts.since) };
    await link.subscribe(destination, since, (m) => session.take(JSON.parse(m.body)));
    return session;
  },
};

export const ALL_CLIENTS: TransportClient[] = [sseClient, wsClient, longPollClient, shortPollClient, iframeClient, stompClient];
