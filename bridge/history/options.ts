/** The history store's options: one typed defaults object, merged by spread and validated once. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Db } from '../../storage/database.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long each kind of record is kept, in ms; 0 keeps it forever. */
export interface Retention {
  /** The message log that resume replays. It is the bulk of the file, and resumes rarely reach back a day. */
  messagesMs: number;
  /** Raw time-series points. */
  rawMs: number;
  /** Events (hot-plug, progress, rejects) and commands. */
  eventsMs: number;
  /** Per-minute rollups. */
  minuteMs: number;
  /** Per-hour rollups: a year of one metric is under 9,000 rows, so keep them. */
  hourMs: number;
}

/**
 * Fits a laptop: 12 devices sending 3 metrics at 1 Hz fill about 0.7 GB (measured: a logged
 * message takes about 90 bytes, a raw point 21, a rollup cell 24).
 */
export const DEFAULT_RETENTION: Retention = {
  messagesMs: DAY,
  rawMs: 7 * DAY,
  eventsMs: 30 * DAY,
  minuteMs: 90 * DAY,
  hourMs: 0,
};

export interface HistoryOptions {
  /** From storage/database.ts openDatabase(); shared with the broker (its tables are broker_*, these history_*). Not closed by the store. */
  db: Db;
  retention?: Partial<Retention>;
  /**
   * ms a group commit waits for more messages after the first. Default 0: commit on the next
   * turn of the event loop, so everything read in one turn (every ready socket) shares one
   * transaction, and batches grow by themselves under load. In WAL mode with synchronous =
   * NORMAL a commit does not fsync, so waiting longer only delays QoS 1 PUBACKs: measured
   * 0.3 ms median PUBACK at 0 against 5.9 ms at 5, with the same throughput (bench/history.ts).
   * This is the window of a commit someone waits for (a QoS 1/2 PUBACK).
   */
  commitIntervalMs?: number;
  /**
   * ms a group commit nobody waits for (QoS 0 messages, registry and command updates) gathers
   * more before it starts; an awaited append ends the wait at commitIntervalMs. Default 10: at
   * 5,000 QoS 0 msg/s, 100 commits a second instead of one per event-loop turn (~1,000), which
   * took the hub's median publish-to-delivery latency from 0.32–0.36 to 0.22–0.24 ms (bench/broker.ts).
   * It is also the most a `kill -9` can lose of QoS 0 traffic, which was never acknowledged.
   */
  lazyCommitMs?: number;
  /**
   * Messages that may wait for commit. A queue of 4 × maxBatch is committed inside append()
   * (the hub reads no socket meanwhile), so only a disk that fails or stalls fills it. When
   * full, append() rejects: the message is not stored and resumes across it get `reset`;
   * QoS >= 1 publishers get no acknowledgement. Default 20,000 (a few MB).
   */
  maxPending?: number;
  /**
   * Write on the commit thread (its own connection to the file; chunk-writer.ts), so no commit
   * holds the event loop. Default true; false writes in-line on `db`, as an in-memory database
   * always does.
   */
  commitThread?: boolean;
  /** Messages per transaction; a longer backlog commits in several, yielding between them. Default 2,000. */
  maxBatch?: number;
  /** Rows one messagesAfter() call examines at most. Default 10,000. */
  scanLimit?: number;
  /** Rows one history() query reads at most (raw points plus rollup rows). Default 200,000. */
  maxScanRows?: number;
  /** ms between retention passes. Default 60,000; 0 never prunes by itself (prune() still works). */
  pruneIntervalMs?: number;
  /** Rows deleted per retention step, each its own short transaction. Default 1,000. */
  pruneChunk?: number;
  /** The clock retention measures against; Date.now by default. */
  now?: () => number;
  logger: Logger;
  metrics: Registry;
}

export type ResolvedOptions = Required<Omit<HistoryOptions, 'retention'>> & { retention: Retention };

export const HISTORY_DEFAULTS = {
  commitIntervalMs: 0,
  lazyCommitMs: 10,
  commitThread: true,
  maxPending: 20_000,
  maxBatch: 2_000,
  scanLimit: 10_000,
  maxScanRows: 200_000,
  pruneIntervalMs: MINUTE,
  pruneChunk: 1_000,
  now: Date.now,
} as const;

/** Merges the defaults and throws a clear error for a value that cannot work. */
export function resolveOptions(opts: HistoryOptions): ResolvedOptions {
  const merged: ResolvedOptions = {
    ...HISTORY_DEFAULTS,
    // Required fields are never undefined, so they survive the filter.
    ...(withoutUndefined(opts) as HistoryOptions),
    retention: { ...DEFAULT_RETENTION, ...withoutUndefined(opts.retention ?? {}) },
  };
  const counts = ['maxPending', 'maxBatch', 'scanLimit', 'maxScanRows', 'pruneChunk'] as const;
  for (const key of counts) requireInteger(key, merged[key], 1);
  requireInteger('commitIntervalMs', merged.commitIntervalMs, 0);
  requireInteger('lazyCommitMs', merged.lazyCommitMs, 0);
  requireInteger('pruneIntervalMs', merged.pruneIntervalMs, 0);
  for (const [key, value] of Object.entries(merged.retention)) requireInteger(`retention.${key}`, value, 0);
  return merged;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`history option ${name} must be an integer >= ${min}, got ${value}`);
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
