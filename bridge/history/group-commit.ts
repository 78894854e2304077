/**
 * Group commit: drains the write queue in transactions off the fan-out path. The first
 * append starts a short window (commitIntervalMs); everything queued by then goes into one
 * transaction. A backlog commits maxBatch messages at a time and yields to I/O between
 * them. When the queue reaches `inlineAt` the event loop has not come round to a timer for
 * a long time (one read of many busy sockets can hold tens of thousands of messages), so
 * the commit runs at once, inside the append: sockets wait for the disk, which slows the
 * publishers instead of filling memory. A failed commit keeps its work queued and is
 * retried with backoff, so waiting acknowledgements are held, not lost, while the disk is
 * full, locked or read-only.
 */
import type { Logger } from 'pino';
import type { Db } from '../../storage/database.js';
import type { HistoryMetrics } from './metrics.js';
import type { MetaKey, RowWriter } from './row-writer.js';
import { type WriteFailure, classifyWriteError, withoutLockWait } from './write-guard.js';
import type { WriteQueue } from './write-queue.js';

const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 1_000;

export interface GroupCommitOptions {
  db: Db;
  queue: WriteQueue;
  writer: RowWriter;
  intervalMs: number;
  maxBatch: number;
  /** Queue length at which schedule() commits synchronously (while commits succeed). */
  inlineAt: number;
  logger: Logger;
  metrics: HistoryMetrics;
  /** Meta values to write with the next commit (seq reservation, log floor). */
  metaFor(): Partial<Record<MetaKey, number>>;
  /** Called after a commit succeeded with the meta values it wrote. */
  onCommitted(meta: Partial<Record<MetaKey, number>>): void;
}

export interface GroupCommit {
  /** Starts the commit window if none is running, or commits at once past `inlineAt`. Call after queueing anything. */
  schedule(): void;
  /** Commits on the next turn instead of waiting out the window (flush). */
  hurry(): void;
  /** The current failure, null while commits succeed. */
  failure(): WriteFailure | null;
  /** Stops the timers, then commits what is left, retrying until `deadline` (ms since epoch). Returns how many messages were lost. */
  close(deadline: number): Promise<number>;
}

export function createGroupCommit(o: GroupCommitOptions): GroupCommit {
  let timer: { cancel(): void } | null = null;
  let failing: WriteFailure | null = null;
  let backoff = RETRY_FIRST_MS;
  let closed = false;

  function later(ms: number): void {
    if (ms === 0) {
      const h = setImmediate(run);
      timer = { cancel: () => clearImmediate(h) };
    } else {
      const h = setTimeout(run, ms);
      timer = { cancel: () => clearTimeout(h) };
    }
  }

  /** One transaction; returns false (and records why) when it failed. */
  function commitOnce(): boolean {
    const meta = o.metaFor();
    const end = o.metrics.commitSeconds.startTimer();
    const before = o.queue.size;
    try {
      withoutLockWait(o.db, () => o.queue.commit(o.maxBatch, (chunk) => o.writer.write(chunk, meta)));
    } catch (err) {
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
    o.metrics.committedMessages.inc(before - o.queue.size);
    o.onCommitted(meta);
    if (failing) o.logger.info({ pending: o.queue.size }, 'history writes resumed');
    failing = null;
    backoff = RETRY_FIRST_MS;
    return true;
  }

  function run(): void {
    timer = null;
    if (closed || o.queue.isEmpty()) return;
    if (commitOnce()) {
      if (!o.queue.isEmpty()) later(0);
      return;
    }
    later(backoff);
    backoff = Math.min(backoff * 2, RETRY_MAX_MS);
  }

  return {
    schedule() {
      if (closed) return;
      if (o.queue.size >= o.inlineAt && !failing) commitOnce();
      if (timer) return;
      later(o.queue.size >= o.maxBatch ? 0 : o.intervalMs);
    },
    hurry() {
      if (closed || failing) return;
      timer?.cancel();
      later(0);
    },
    failure: () => failing,
    async close(deadline) {
      closed = true;
      timer?.cancel();
      timer = null;
      while (!o.queue.isEmpty()) {
        if (commitOnce()) continue;
        if (Date.now() >= deadline) {
          const lost = o.queue.abandon(new Error(`history store closed before commit: ${failing?.message ?? 'unknown'}`));
          o.logger.error({ lost }, 'history store closed with messages that never reached the disk');
          return lost;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
      }
      return 0;
    },
  };
}
