/**
 * The fan-out hub: one set of subscribers for every transport. It subscribes to APPLY's
 * `fan out` step, so it sees each message right after it is appended, in seq order; matching
 * goes through a filter trie and each subscriber's bounded queue, and writes are batched per
 * event-loop turn. One-shot reads (`read`) use the subscribers' own page logic.
 */
import { randomBytes } from 'node:crypto';
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { HubMessage, PollBody } from '../../protocol/message.js';
import type { TransportKind } from '../../protocol/transports.js';
import type { Logger } from 'pino';
import type { ApplyPipeline } from '../ingest/apply.js';
import type { BridgeLimits } from '../limits.js';
import type { BridgeMetrics } from '../metrics.js';
import { FilterIndex } from './filter-index.js';
import { Follows } from './follows.js';
import { type ReplaySource, type Sink, Subscriber, type SubscriberContext, readReplayPage } from './subscriber.js';

export interface HubOptions {
  /** The size of a message as transports send it, bytes; cached per message (see transports/encode.ts). */
  messageBytes(msg: HubMessage): number;
  /** Where resumes read from; its seq range is the sequencer's (a cluster node may lack messages its store knows nothing of). */
  replay: ReplaySource;
  /** The hub subscribes to APPLY's `fan out` step. */
  applied: Pick<ApplyPipeline, 'on'>;
  limits: BridgeLimits;
  metrics: BridgeMetrics;
  logger: Logger;
}

export interface SubscribeRequest {
  transport: TransportKind;
  /** Valid MQTT filters (checked by the caller). */
  filters: readonly string[];
  /** The client's own sender key (see follows.ts); null: the subscriber id. */
  key: string | null;
  sink: Sink;
  /** Most messages per write; default the queue length. */
  batchLimit?: number;
}

export interface Hub {
  /** Registers a subscriber, live from now (call `rewind(since)` to resume instead). Fails with `too_many` past `maxSubscribers`. */
  subscribe(req: SubscribeRequest): Result<Subscriber>;
  /** Replaces a subscriber's own filters (its followed command topics stay). */
  setFilters(sub: Subscriber, filters: readonly string[]): void;
  /**
   * A one-shot read (short poll): up to `limit` messages after `since` matching `filters` and the
   * command topics `key` follows, read as a subscriber replays. `since` null, or at or past the
   * last seq, answers nothing from now; `reset` says the resume point was older than what is
   * stored, or newer than any seq.
   */
  read(since: number | null, filters: readonly string[], key: string | null, limit: number): PollBody;
  /** Makes subscribers with `key` (now and later) also receive `filters` until `expires` (ms since epoch). */
  follow(key: string, filters: readonly string[], expires: number): void;
  size(): number;
  /** Ends every subscriber, telling each client `reason`. */
  close(reason: string): void;
}

/** How often expired follows are swept, ms. */
const FOLLOW_SWEEP_MS = 5000;
/**
 * Store pages all replaying subscribers together read per event-loop turn; the rest wait for the
 * next turn, so 200 clients catching up at once never hold the loop (and /healthz) for long.
 */
const PAGES_PER_FLUSH = 8;

export function createHub(opts: HubOptions): Hub {
  const index = new FilterIndex<Subscriber>();
  const subscribers = new Set<Subscriber>();
  const own = new Map<Subscriber, readonly string[]>();
  const byKey = new Map<string, Set<Subscriber>>();
  const follows = new Follows(opts.limits.maxFollows);
  let dirty: Subscriber[] = [];
  let flushPending = false;
  let pagesLeft = PAGES_PER_FLUSH;

  const flush = (): void => {
    const batch = dirty;
    dirty = [];
    flushPending = false;
    pagesLeft = PAGES_PER_FLUSH;
    for (const sub of batch) {
      sub.scheduled = false;
      try {
        sub.pump();
      } catch (err) {
        // A failed replay read (say, the store closing) ends this subscriber, never the others.
        opts.logger.error({ err, subscriber: sub.id, transport: sub.transport }, 'subscriber failed');
        sub.end('the hub could not read this stream on; reconnect to resume', 'failed');
      }
    }
  };

  /** Puts a subscriber's effective filters (own ∪ followed) into the index. */
  const refresh = (sub: Subscriber): void => {
    const next = [...new Set([...(own.get(sub) ?? []), ...follows.filtersOf(sub.key)])];
    for (const f of sub.filters) index.remove(f, sub);
    for (const f of next) index.add(f, sub);
    sub.filters = next;
  };

  const refreshKeys = (keys: readonly string[]): void => {
    for (const key of keys) for (const sub of byKey.get(key) ?? []) refresh(sub);
  };

  const ctx: SubscriberContext = {
    replay: opts.replay,
    limits: opts.limits,
    metrics: opts.metrics,
    schedule(sub) {
      if (sub.scheduled) return;
      sub.scheduled = true;
      dirty.push(sub);
      if (!flushPending) {
        flushPending = true;
        setImmediate(flush);
      }
    },
    ended(sub) {
      for (const f of sub.filters) index.remove(f, sub);
      subscribers.delete(sub);
      own.delete(sub);
      const peers = byKey.get(sub.key);
      peers?.delete(sub);
      if (peers?.size === 0) byKey.delete(sub.key);
      opts.metrics.subscribers.dec({ transport: sub.transport });
    },
    messageBytes: opts.messageBytes,
    takePage: () => pagesLeft-- > 0,
    undeliverable(sub, msg, err) {
      opts.logger.error({ err, seq: msg.seq, topic: msg.topic, subscriber: sub.id, transport: sub.transport }, 'message could not be encoded: skipped for this subscriber');
    },
  };

  opts.applied.on('fan out', (msg: HubMessage) => {
    // Sized (which encodes it) only once a subscriber wants it: most messages have none watching.
    let size = -1;
    index.match(msg.topic, (sub) => {
      if (size < 0) size = opts.messageBytes(msg);
      sub.offer(msg, size);
    });
  });

  let closed = false;
  const sweep = setInterval(() => refreshKeys(follows.expire(Date.now())), FOLLOW_SWEEP_MS);
  sweep.unref();

  return {
    subscribe(req) {
      if (closed) return fail('not_ready', 'the hub is shutting down');
      if (subscribers.size >= opts.limits.maxSubscribers) return fail('too_many', `the hub already serves ${subscribers.size} subscribers`);
      const id = randomBytes(12).toString('base64url');
      const sub = new Subscriber(ctx, id, req.key ?? id, req.transport, req.sink, req.batchLimit ?? opts.limits.queueLength);
      subscribers.add(sub);
      own.set(sub, req.filters);
      const peers = byKey.get(sub.key) ?? new Set<Subscriber>();
      byKey.set(sub.key, peers.add(sub));
      opts.metrics.subscribers.inc({ transport: sub.transport });
      refresh(sub);
      return ok(sub);
    },
    setFilters(sub, filters) {
      if (sub.isClosed) return;
      own.set(sub, filters);
      refresh(sub);
      sub.prune();
    },
    read(since, filters, key, limit) {
      const last = opts.replay.lastSeq();
      if (since === null || since >= last) return since !== null && since > last ? { messages: [], next: last, reset: true } : { messages: [], next: last };
      const all = key === null ? filters : [...new Set([...filters, ...follows.filtersOf(key)])];
      const page = readReplayPage(opts.replay, since, all, limit);
      return page.from > since ? { messages: page.messages, next: page.next, reset: true } : { messages: page.messages, next: page.next };
    },
    follow(key, filters, expires) {
      const dropped = follows.add(key, filters, expires);
      refreshKeys([key, ...dropped]);
    },
    size: () => subscribers.size,
    close(reason) {
      closed = true;
      clearInterval(sweep);
      for (const sub of [...subscribers]) sub.end(reason, 'closing');
    },
  };
}
