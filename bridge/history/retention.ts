/**
 * Retention: removes what is older than each table's retention, in chunks of at most `chunk`
 * rows and SERIES_PER_CHUNK series, each chunk short statements of its own, yielding to I/O
 * between chunks so ingest and fan-out never wait behind a long delete. A row goes when its
 * time (a point's ts, a cell's bucket start, an event's ts, a command's creation) is before
 * now minus the retention. The commit thread writes on its own connection, so a chunk may
 * find the file locked for the length of one commit: it waits a little and tries again rather
 * than give the pass up.
 */
import type { Logger } from 'pino';
import type { Db } from '../../storage/database.js';
import type { HistoryMetrics } from './metrics.js';
import type { Retention } from './options.js';
import { horizonOf } from './rollup-writer.js';
import { classifyWriteError, withoutLockWait } from './write-guard.js';

/** How often, and how long apart, one chunk is tried again while the file is locked (a commit takes milliseconds). */
const LOCKED_RETRIES = 50;
const LOCKED_WAIT_MS = 5;

export type PrunedTable = 'messages' | 'points' | 'minute' | 'hour' | 'events' | 'commands';
export type PruneReport = Record<PrunedTable, number>;

/**
 * Series visited by one chunk of the per-series steps (~3 ms when nothing in them expired): at
 * 20,000 series (10,000 devices × 2 readings) a chunk over all of them held the event loop for
 * over a second.
 */
export const SERIES_PER_CHUNK = 512;

/**
 * Deletes at most `chunk` expired rows, starting at cursor `from` (0 at the start of a pass; a
 * series id for the per-series steps). Returns how many it deleted and where the next chunk
 * starts: null when nothing expired is left.
 */
type DeleteChunk = (cutoff: number, chunk: number, from: number) => { deleted: number; next: number | null };

interface SeriesRow {
  id: number;
  device: string;
}

/** A chunk's answer when the cursor does not matter: more may be left only if it was full. */
const whole = (deleted: number, chunk: number) => ({ deleted, next: deleted < chunk ? null : 0 });

export interface PrunerOptions {
  db: Db;
  retention: Retention;
  chunk: number;
  intervalMs: number;
  now(): number;
  logger: Logger;
  metrics: HistoryMetrics;
  /** Raw retention of one device's points, ms (0: forever); retention.rawMs when not given. */
  rawMsOf?: (device: string) => number;
}

export interface Pruner {
  /** One full pass over every table; settles with the rows removed. A pass already running is joined. */
  prune(): Promise<PruneReport>;
  /** Stops the timer and waits for a running pass to stop at its next chunk. */
  close(): Promise<void>;
}

export function createPruner(o: PrunerOptions): Pruner {
  const { db } = o;
  const seriesAfter = db.prepare(`SELECT id, device FROM history_series WHERE id > ? ORDER BY id LIMIT ${SERIES_PER_CHUNK}`);
  /**
   * Points and cells are clustered by series, each series a range of its own: a chunk deletes
   * series by series from the one after `from`, each before the cutoff `cutoffIn` gives it
   * (null: that series is kept).
   */
  const bySeries = (table: string, time: string, key: string, cutoffIn: (cutoff: number) => (series: SeriesRow) => number | null): DeleteChunk => {
    const expired = db.prepare(`SELECT 1 FROM ${table} WHERE series = ? AND ${time} < ? LIMIT 1`).pluck();
    const del = db.prepare(
      `DELETE FROM ${table} WHERE series = @series AND (${key}) IN
       (SELECT ${key} FROM ${table} WHERE series = @series AND ${time} < @cutoff ORDER BY ${time} LIMIT @chunk)`,
    );
    return (cutoff, chunk, from) => {
      const slice = seriesAfter.all(from) as SeriesRow[];
      const cutoffOf = cutoffIn(cutoff);
      let deleted = 0;
      for (const series of slice) {
        const before = cutoffOf(series);
        // A seek that finds nothing costs a fraction of a DELETE that deletes nothing (0.7 against 22 µs).
        if (before === null || expired.get(series.id, before) === undefined) continue;
        deleted += del.run({ series: series.id, cutoff: before, chunk: chunk - deleted }).changes;
        // A full chunk may have left rows in this series: the next chunk starts with it again.
        if (deleted >= chunk) return { deleted, next: series.id - 1 };
      }
      return { deleted, next: slice.length < SERIES_PER_CHUNK ? null : (slice.at(-1)?.id ?? null) };
    };
  };
  const everySeries = (cutoff: number) => () => cutoff;
  // The raw points from the rollup horizon on are all the rollups have of them yet (rollup-writer.ts).
  const horizon = horizonOf(db);
  // Raw points: each series by its device's retention (per device or model, else the default).
  const rawCutoffs = (now: number) => {
    const kept = horizon();
    return ({ device }: SeriesRow) => {
      const keepMs = o.rawMsOf ? o.rawMsOf(device) : o.retention.rawMs;
      return keepMs === 0 ? null : Math.min(now - keepMs, kept);
    };
  };
  const byIndex = (table: string, key: string, time: string): DeleteChunk => {
    const del = db.prepare(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${time} < ? ORDER BY ${time} LIMIT ?)`);
    return (cutoff, chunk) => whole(del.run(cutoff, chunk).changes, chunk);
  };
  // The log must stay a contiguous run of seqs, or a resume would skip a hole without a
  // reset: only a prefix goes, up to the first message still within retention.
  const head = db.prepare('SELECT seq, ts FROM history_messages ORDER BY seq LIMIT ?').raw();
  const dropUpTo = db.prepare('DELETE FROM history_messages WHERE seq <= ?');
  const messagePrefix: DeleteChunk = (cutoff, chunk) => {
    let last: number | null = null;
    for (const [seq, ts] of head.all(chunk) as [number, number][]) {
      if (ts >= cutoff) break;
      last = seq;
    }
    return whole(last === null ? 0 : dropUpTo.run(last).changes, chunk);
  };

  /** The cutoff a step deletes before, from now and its retention (0 keeps forever: no step). */
  const before = (keepMs: number) => (now: number) => (keepMs === 0 ? null : now - keepMs);
  const steps: [PrunedTable, (now: number) => number | null, DeleteChunk][] = [
    ['messages', before(o.retention.messagesMs), messagePrefix],
    // Handed `now`: each series takes off its own device's retention.
    ['points', (now) => now, bySeries('history_points', 'ts', 'ts, seq', rawCutoffs)],
    ['minute', before(o.retention.minuteMs), bySeries('history_rollup_minute', 'bucket', 'bucket', everySeries)],
    ['hour', before(o.retention.hourMs), bySeries('history_rollup_hour', 'bucket', 'bucket', everySeries)],
    ['events', before(o.retention.eventsMs), byIndex('history_events', 'seq', 'ts')],
    ['commands', before(o.retention.eventsMs), byIndex('history_commands', 'id', 'created')],
  ];

  let running: Promise<PruneReport> | null = null;
  let stopping = false;

  async function pass(): Promise<PruneReport> {
    const report: PruneReport = { messages: 0, points: 0, minute: 0, hour: 0, events: 0, commands: 0 };
    const now = o.now();
    for (const [table, cutoffOf, deleteChunk] of steps) {
      const cutoff = cutoffOf(now);
      if (cutoff === null) continue;
      for (let retries = 0, from = 0; ; ) {
        if (stopping) return report;
        let done: ReturnType<DeleteChunk>;
        try {
          done = withoutLockWait(db, () => deleteChunk(cutoff, o.chunk, from));
        } catch (err) {
          const failure = classifyWriteError(err);
          if (failure.reason === 'locked' && retries++ < LOCKED_RETRIES) {
            await new Promise((resolve) => setTimeout(resolve, LOCKED_WAIT_MS));
            continue;
          }
          o.logger.warn({ table, reason: failure.reason }, `retention pass stopped: ${failure.message}`);
          return report;
        }
        retries = 0;
        report[table] += done.deleted;
        o.metrics.pruned.inc({ table }, done.deleted);
        if (done.next === null) break;
        from = done.next;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return report;
  }

  function prune(): Promise<PruneReport> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = o.intervalMs > 0 ? setInterval(() => void prune(), o.intervalMs) : null;
  timer?.unref();

  return {
    prune,
    async close() {
      if (timer) clearInterval(timer);
      stopping = true;
      await running;
    },
  };
}
