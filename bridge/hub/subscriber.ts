/**
 * One browser subscription: its filters, a bounded queue, and the cursor that makes resume
 * exact. A subscriber is either replaying (reading pages from the store after its cursor) or
 * live (taking messages from the hub's fan-out). Because ingest makes a message visible in the
 * store and fans it out in the same synchronous step, the switch from replay to live happens
 * in one tick with nothing in between: no gap and no duplicate (the Mercure hand-off, without
 * needing to hold live messages aside).
 *
 * Slow clients: a live subscriber whose queue fills (`queueLength` messages or `queueBytes`)
 * drops the queue and goes back to replaying from the store at the pace its transport drains;
 * a replay page the transport cannot take yet is dropped and read again later. Each write is at
 * most `batchBytes`, so what one subscriber holds is bounded in bytes, and the others never
 * wait. A transport that accepts nothing for `stallTimeoutMs` is cut off with a reason.
 */
import type { HubMessage } from '../../protocol/message.js';
import type { TransportKind } from '../../protocol/transports.js';
import { matchesAny } from '../../protocol/topic-filter.js';
import type { HistoryStore } from '../history/store.js';
import type { BridgeLimits } from '../limits.js';
import type { BridgeMetrics } from '../metrics.js';


/** Why the hub ended a subscriber (a metric label; the text sent to the client says more). */
export type CutoffReason = 'stalled' | 'closing' | 'unresponsive' | 'page_full' | 'failed' | 'bad_frames';

/** Where a subscriber's messages go: one per transport connection. */
export interface Sink {
  /** Hands messages (ascending seq) to the client. False: the buffer is full; call `drained()` when it empties. May throw while encoding, before sending anything. */
  write(messages: readonly HubMessage[]): boolean;
  /** The resume point is older than the store keeps (or newer than any seq): the stream restarts from `from`. */
  reset(from: number): void;
  /**
   * The hub ends the subscription. Tell the client `reason` and close politely, except that a
   * `stalled` or `unresponsive` client cannot read it: drop that connection.
   */
  end(reason: string, why: CutoffReason): void;
}

/** What a subscriber needs from its hub. */
export interface SubscriberContext {
  replay: ReplaySource;
  limits: BridgeLimits;
  metrics: BridgeMetrics;
  /** Runs `pump()` soon, batching every subscriber woken in the same turn. */
  schedule(sub: Subscriber): void;
  /** Called once when the subscriber ends, for the hub to forget it. */
  ended(sub: Subscriber): void;
  /** The sink could not take `msg` (its encoding threw); it was skipped for this subscriber. */
  undeliverable(sub: Subscriber, msg: HubMessage, err: unknown): void;
  /** The size of a message as transports send it, bytes (cached per message: shared by every subscriber). */
  messageBytes(msg: HubMessage): number;
  /** Asks for one store page within this turn's budget across all subscribers; false: wait for the next turn. */
  takePage(): boolean;
}

/** Where replays read from: the store's pages and this node's seq range. */
export interface ReplaySource {
  store: Pick<HistoryStore, 'messagesAfter'>;
  /** The lowest seq this node can replay from (sequencer.ts). */
  firstSeq(): number;
  /** The highest seq applied on this node. */
  lastSeq(): number;
}

/** One page of a replay: the messages, the `since` to read on from, and the cursor it started at. */
export interface ReplayPage {
  messages: HubMessage[];
  next: number;
  /** Where the page started: above the `after` asked for when that is older than what is stored (a reset). */
  from: number;
}

/**
 * Reads up to `limit` stored messages after `after` that match `filters` — the one page logic
 * of every replay, streamed or polled. A resume point older than what is stored starts at the
 * oldest kept message (`from` tells). A full page may stop short of what the store examined,
 * so `next` continues from its last message; otherwise from the highest seq examined.
 */
export function readReplayPage(src: ReplaySource, after: number, filters: readonly string[], limit: number): ReplayPage {
  const from = Math.max(after, src.firstSeq() - 1);
  if (filters.length === 0) return { messages: [], next: Math.max(from, src.lastSeq()), from };
  const page = src.store.messagesAfter(from, filters, limit);
  const lastRead = page.messages.at(-1)?.seq ?? from;
  const next = page.messages.length >= limit ? lastRead : Math.max(lastRead, page.next, from);
  return { messages: page.messages, next, from };
}

/** Store pages read per pump before yielding, so a long replay never blocks the event loop. */
const PAGES_PER_TURN = 4;

export class Subscriber {
  /** The effective filters (own plus followed command topics); set by the hub. */
  filters: readonly string[] = [];
  /** Set by the hub while the subscriber waits in its schedule. */
  scheduled = false;
  private queue: HubMessage[] = [];
  /** messageBytes of the messages in `queue`. */
  private queuedBytes = 0;
  /** Highest seq queued or examined. */
  private cursor: number;
  /** Highest seq handed to the sink. */
  private sent: number;
  private live = true;
  private writable = true;
  private closed = false;
  private stallTimer: NodeJS.Timeout | null = null;
  /** Counted per write: a tally (metrics.ts), not a labelled counter that hashes its labels every call. */
  private readonly delivered: { inc(n: number): void };

  constructor(
    private readonly ctx: SubscriberContext,
    /** Unique per connection. */
    readonly id: string,
    /** The sender key command results follow: the client's own `subscriber` parameter, else `id`. */
    readonly key: string,
    readonly transport: TransportKind,
    private readonly sink: Sink,
    /** Most messages per `write`. */
    private readonly batchLimit: number,
  ) {
    this.cursor = this.sent = ctx.replay.lastSeq();
    this.delivered = ctx.metrics.deliveries.tally({ transport });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Restarts the stream after `since` (replay, then live); null: live from now. Queued messages are dropped. */
  rewind(since: number | null): void {
    const last = this.ctx.replay.lastSeq();
    this.dropQueue();
    if (since === null || since >= last) {
      if (since !== null && since > last) this.sink.reset(last); // a seq this hub never issued
      this.cursor = this.sent = last;
      this.live = true;
      return;
    }
    this.cursor = this.sent = since;
    this.live = false;
    this.ctx.schedule(this);
  }

  /** The `since` a client should send next: everything up to it has been delivered or did not match. */
  position(): number {
    if (this.queue.length > 0) return this.sent;
    return this.live ? this.ctx.replay.lastSeq() : this.cursor;
  }

  /** A live message from the fan-out, `size` its messageBytes; `filters` already matched. Duplicates (several matching filters) are dropped by seq. */
  offer(msg: HubMessage, size: number): void {
    if (this.closed || !this.live || msg.seq <= this.cursor) return;
    this.cursor = msg.seq;
    if (this.queue.length >= this.ctx.limits.queueLength || this.queuedBytes + size > this.ctx.limits.queueBytes) {
      // Everything after `sent` is in the store: re-read it from there at the client's pace.
      this.dropQueue();
      this.live = false;
      this.ctx.metrics.catchups.inc({ transport: this.transport });
    } else {
      this.queue.push(msg);
      this.queuedBytes += size;
    }
    this.ctx.schedule(this);
  }

  /** Drops queued messages that no longer match after an unsubscribe. */
  prune(): void {
    this.queue = this.queue.filter((m) => matchesAny(this.filters, m.topic));
    this.queuedBytes = this.queue.reduce((sum, m) => sum + this.ctx.messageBytes(m), 0);
  }

  /** Forgets what is queued; the cursor goes back to the last message sent, to be re-read from the store. */
  private dropQueue(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.cursor = this.sent;
  }

  /** The transport can take more. */
  drained(): void {
    if (this.closed) return;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.writable = true;
    this.ctx.schedule(this);
  }

  /** Moves queued (and, while replaying, stored) messages to the sink while it accepts them. */
  pump(): void {
    let pages = 0;
    while (this.writable && !this.closed) {
      if (this.queue.length === 0) {
        if (this.live) return;
        if (pages++ === PAGES_PER_TURN || !this.ctx.takePage()) return this.ctx.schedule(this);
        this.readPage();
        continue;
      }
      const batch = this.takeBatch();
      this.sent = (batch[batch.length - 1] as HubMessage).seq;
      this.delivered.inc(batch.length);
      this.writable = this.write(batch);
      // Stored messages are re-read when the transport drains rather than held meanwhile.
      if (!this.writable && !this.live) this.dropQueue();
    }
    if (!this.writable && !this.closed && this.stallTimer === null) {
      const ms = this.ctx.limits.stallTimeoutMs;
      this.stallTimer = setTimeout(() => this.end(`stalled: the client read nothing for ${ms / 1000} s`, 'stalled'), ms);
      this.stallTimer.unref();
    }
  }

  /** The next write: at most `batchLimit` messages and about `batchBytes` (always at least one message). */
  private takeBatch(): HubMessage[] {
    if (this.queue.length <= this.batchLimit && this.queuedBytes <= this.ctx.limits.batchBytes) {
      // All of it fits (the common live case): no size to look up again.
      const all = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      return all;
    }
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.batchLimit && (n === 0 || bytes < this.ctx.limits.batchBytes)) {
      bytes += this.ctx.messageBytes(this.queue[n] as HubMessage);
      n++;
    }
    const batch = n === this.queue.length ? this.queue : this.queue.slice(0, n);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
    this.queuedBytes = Math.max(0, this.queuedBytes - bytes);
    return batch;
  }

  /**
   * Hands `batch` to the sink. When that throws (a message that cannot be encoded, say one an
   * older version stored nested too deep to serialise), the batch goes again one message at a
   * time and only the bad one is skipped: it costs this client that message, never its stream,
   * and no other subscriber anything. Sinks encode a whole batch before they send any of it.
   */
  private write(batch: readonly HubMessage[]): boolean {
    try {
      return this.sink.write(batch);
    } catch (err) {
      if (batch.length === 1) {
        this.ctx.undeliverable(this, batch[0] as HubMessage, err);
        return true;
      }
      let more = true;
      for (const msg of batch) if (!this.closed) more = this.write([msg]);
      return more;
    }
  }

  private readPage(): void {
    const last = this.ctx.replay.lastSeq();
    const page = readReplayPage(this.ctx.replay, this.cursor, this.filters, this.ctx.limits.pageSize);
    if (page.from > this.cursor) {
      this.sent = page.from;
      this.sink.reset(page.from);
    }
    this.queue.push(...page.messages);
    for (const m of page.messages) this.queuedBytes += this.ctx.messageBytes(m);
    this.cursor = page.next;
    if (this.cursor >= last) this.live = true;
  }

  /** The hub cuts this subscriber off, telling the client why. */
  end(reason: string, label: CutoffReason): void {
    if (this.closed) return;
    this.ctx.metrics.cutoffs.inc({ transport: this.transport, reason: label });
    this.sink.end(reason, label);
    this.detach();
  }

  /** The client went away (or the transport finished): forget it without writing. */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.ctx.ended(this);
  }
}
