/**
 * Group commit: drains the write queue in transactions off the fan-out path. The first
 * append starts a window; everything queued by then goes into one transaction, written by the
 * ChunkWriter (chunk-writer.ts: on the commit thread, or in-line). The window is short
 * (intervalMs) when someone waits for the commit (a QoS 1/2 PUBACK) and longer (lazyMs) while
 * nobody does (QoS 0 messages, registry and command updates, which promise no durability):
 * at a steady rate that makes a few large commits instead of one per event-loop turn, each of
 * which costs the event loop a hand-over and wakes the commit thread. An awaited append
 * shortens a lazy window already running.
 * One transaction is in flight at a time; what arrives meanwhile goes into the next, so
 * batches grow by themselves under load. A backlog commits maxBatch messages at a time. When
 * `inlineAt` messages wait beyond the chunk in flight, the event loop has not come round for a
 * long time (one read of many busy sockets can hold tens of thousands of messages), so the
 * append waits for the write in flight (settleNow) and starts the next: sockets wait for the
 * disk, which slows the publishers instead of filling memory. A failed commit keeps its work
 * queued and is retried with backoff, so waiting acknowledgements are held, not lost, while the
 * disk is full, locked or read-only.
 */
import type { Logger } from 'pino';
import type { ChunkWriter } from './chunk-writer.js';
import type { HistoryMetrics } from './metrics.js';
import { type MetaKey, rowsOf } from './row-writer.js';
import { type WriteFailure, classifyWriteError } from './write-guard.js';
import type { WriteQueue } from './write-queue.js';

const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 1_000;

export interface GroupCommitOptions {
  queue: WriteQueue;
  writer: ChunkWriter;
  /** ms the window lasts when an append in it is awaited. */
  intervalMs: number;
  /** ms the window lasts while no append in it is awaited. */
  lazyMs: number;
  maxBatch: number;
  /** Messages waiting beyond the chunk in flight at which schedule() waits for that chunk and starts the next (while commits succeed). */
  inlineAt: number;
  logger: Logger;
  metrics: HistoryMetrics;
  /** Meta values to write with the next commit (seq reservation, log floor). */
  metaFor(): Partial<Record<MetaKey, number>>;
  /** Called after a commit succeeded with the meta values it wrote. */
  onCommitted(meta: Partial<Record<MetaKey, number>>): void;
}

export interface GroupCommit {
  /**
   * Starts the commit window if none is running, or commits at once past `inlineAt`. Call after
   * queueing anything; `lazy`: nobody waits for this to reach the disk.
   */
  schedule(lazy: boolean): void;
  /** Commits on the next turn instead of waiting out the window (flush). */
  hurry(): void;
  /** The current failure, null while commits succeed. */
  failure(): WriteFailure | null;
  /** Stops the timers, then commits what is left, retrying until `deadline` (ms since epoch), and closes the writer. Returns how many messages were lost. */
  close(deadline: number): Promise<number>;
}

export function createGroupCommit(o: GroupCommitOptions): GroupCommit {
  /** The window running: how long it was set for, and when it ends (performance.now()). */
  let timer: { cancel(): void; ms: number; due: number } | null = null;
  /** Whether something queued and not yet taken is awaited. */
  let awaited = false;
  let failing: WriteFailure | null = null;
  let backoff = RETRY_FIRST_MS;
  let closed = false;
  /** Settles when the write in flight is answered; null when none is. */
  let writing: Promise<boolean> | null = null;

  /** Ends the window within `ms`: starts one, or brings forward one that would end later. */
  function later(ms: number): void {
    // A window no shorter than the running one ends later: no clock read (once per QoS 0 append).
    if (timer && ms >= timer.ms) return;
    const due = performance.now() + ms;
    if (timer) {
      if (timer.due <= due) return;
      timer.cancel();
    }
    if (ms === 0) {
      const h = setImmediate(run);
      timer = { cancel: () => clearImmediate(h), ms, due };
    } else {
      const h = setTimeout(run, ms);
      timer = { cancel: () => clearTimeout(h), ms, due };
    }
  }

  /** How long the next window lasts: none for a full batch. */
  const windowMs = (): number => (o.queue.size >= o.maxBatch ? 0 : awaited ? o.intervalMs : o.lazyMs);

  /** Records how a write ended; returns whether it committed. */
  function settled(err: Error | null, meta: Partial<Record<MetaKey, number>>, count: number, end: () => void): boolean {
    o.queue.settle(err === null);
    if (err) {
      const failure = classifyWriteError(err);
      o.metrics.writeErrors.inc({ reason: failure.reason });
      if (failing?.reason !== failure.reason) {
        o.logger.error({ reason: failure.reason, pending: o.queue.size }, `history writes failing: ${failure.message}; retrying, live data continues`);
      }
      failing = failure;
      return false;
    }
    end();
    o.metrics.commits.inc();
    o.metrics.committedMessages.inc(count);
    o.onCommitted(meta);
    if (failing) o.logger.info({ pending: o.queue.size }, 'history writes resumed');
    failing = null;
    backoff = RETRY_FIRST_MS;
    return true;
  }

  /** Starts one transaction; the promise settles with whether it committed. */
  function commitOnce(): Promise<boolean> {
    const meta = o.metaFor();
    const end = o.metrics.commitSeconds.startTimer();
    const chunk = o.queue.take(o.maxBatch);
    // What is left over may hold an awaited append; only an empty remainder is surely lazy.
    awaited &&= o.queue.untaken > 0;
    let answered = false;
    const written = new Promise<boolean>((resolve) => {
      o.writer.write(rowsOf(chunk, meta), (err) => {
        answered = true;
        writing = null;
        resolve(settled(err, meta, chunk.messages.length, end));
        if (closed) return;
        if (err) {
          // The chunk is back in the queue, and it may hold awaited appends.
          awaited = true;
          later(backoff);
          backoff = Math.min(backoff * 2, RETRY_MAX_MS);
        } else if (!o.queue.isEmpty()) later(windowMs());
      });
    });
    // An in-line write has answered already; only a write still in flight is waited for.
    if (!answered) writing = written;
    return written;
  }

  function run(): void {
    timer = null;
    if (closed || writing || o.queue.isEmpty()) return;
    void commitOnce();
  }

  return {
    schedule(lazy) {
      if (closed) return;
      awaited ||= !lazy;
      if (o.queue.untaken >= o.inlineAt && !failing) {
        // Back-pressure: wait for the write in flight, then start the next at once, so the
        // commit thread writes while this burst goes on (in-line, this is the commit itself).
        o.writer.settleNow();
        if (!writing && !failing) void commitOnce();
        return;
      }
      // While commits fail, the retry timer keeps its backoff: new appends do not bring it forward.
      if (!writing && !failing) later(windowMs());
    },
    hurry() {
      if (closed || failing || writing) return;
      later(0);
    },
    failure: () => failing,
    async close(deadline) {
      closed = true;
      timer?.cancel();
      timer = null;
      if (writing) await writing;
      while (!o.queue.isEmpty()) {
        if (await commitOnce()) continue;
        if (Date.now() >= deadline) {
          const lost = o.queue.abandon(new Error(`history store closed before commit: ${failing?.message ?? 'unknown'}`));
          o.logger.error({ lost }, 'history store closed with messages that never reached the disk');
          await o.writer.close();
          return lost;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
      await o.writer.close();
      return 0;
    },
  };
}
