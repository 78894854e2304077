/**
 * A response that never ends, fed by one subscriber: the part SSE and iframe streaming share.
 * Each gives its framing; this wires the subscriber to the response — backpressure through
 * `res.write()`'s result and `drain`, a keep-alive every `heartbeatMs`, detach on close —
 * and only then starts the resume, so the preamble always comes first.
 */
import type { IncomingMessage } from 'node:http';
import type { Result } from '../../protocol/errors.js';
import type { HubMessage } from '../../protocol/message.js';
import { sendError } from '../../http/respond.js';
import type { GuardedHandler } from '../access/access.js';
import type { Sink, Subscriber } from '../hub/subscriber.js';
import { parseStreamParams } from './stream-params.js';
import type { TransportDeps } from './transport-deps.js';

export interface StreamFraming {
  headers: Record<string, string>;
  /** First bytes: announces the subscriber id (the key to name when sending commands). */
  preamble(subscriberId: string): string;
  /** Bytes are written as they are: a cache shared by every subscriber (encode.ts). */
  messages(batch: readonly HubMessage[]): string | Buffer;
  reset(from: number): string;
  end(reason: string): string;
  heartbeat: string;
  /** Bytes after which the stream ends itself, telling the client to reconnect with `since`; null: never. */
  maxBytes: number | null;
}

export interface StreamSpec {
  transport: 'sse' | 'iframe';
  /** The resume point a reconnecting client sends as a header (SSE's Last-Event-ID), if any. */
  resumeHeader?: string;
  framing(req: IncomingMessage, url: URL): Result<StreamFraming>;
}

export function streamHandler(deps: TransportDeps, spec: StreamSpec): GuardedHandler {
  const written = deps.metrics.bytes.tally({ transport: spec.transport });
  return (req, res, _params, url) => {
    const header = spec.resumeHeader === undefined ? undefined : req.headers[spec.resumeHeader];
    const params = parseStreamParams(url, deps.limits.maxFilters, typeof header === 'string' ? header : undefined);
    if (!params.ok) return sendError(res, params.code, params.error);
    const framing = spec.framing(req, url);
    if (!framing.ok) return sendError(res, framing.code, framing.error);
    const frame = framing.value;

    let bytes = 0;
    const write = (text: string | Buffer): boolean => {
      if (res.writableEnded) return false;
      const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
      bytes += size;
      written.inc(size);
      return res.write(text);
    };
    let sub: Subscriber | null = null;
    const sink: Sink = {
      write(batch) {
        const more = write(frame.messages(batch));
        if (frame.maxBytes !== null && bytes > frame.maxBytes && sub) {
          sub.end(`page full: reconnect with since=${sub.position()}`, 'page_full');
        }
        return more;
      },
      reset: (from) => void write(frame.reset(from)),
      end(reason, why) {
        if (why === 'stalled') res.destroy();
        else res.end(frame.end(reason));
      },
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'cache-control': 'no-store', ...frame.headers });
      res.end();
      return;
    }
    const subscribed = deps.hub.subscribe({ transport: spec.transport, filters: params.value.filters, key: params.value.key, sink });
    if (!subscribed.ok) return sendError(res, subscribed.code, subscribed.error);
    const stream = subscribed.value;
    sub = stream;

    res.writeHead(200, { 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...frame.headers });
    write(frame.preamble(stream.id));
    const heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) write(frame.heartbeat);
    }, deps.limits.heartbeatMs);
    heartbeat.unref();
    res.on('drain', () => stream.drained());
    const stop = (): void => {
      clearInterval(heartbeat);
      stream.detach();
    };
    res.on('finish', stop);
    res.on('close', stop);
    // A reset or broken connection: the 'close' that follows cleans up; nothing to report.
    res.on('error', () => undefined);
    if (params.value.since !== null) stream.rewind(params.value.since);
  };
}
