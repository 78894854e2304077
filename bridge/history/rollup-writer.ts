/**
 * The row writer's rollups, written once a minute per series instead of once per reading: at
 * 1 Hz that is 60 times fewer upserts, which were a third of the commit thread's time.
 *
 * What holds at every commit: the rollup tables hold every reading before the horizon
 * (`rollup_horizon` in history_meta, the start of the newest minute written) and none from it
 * on. The cells from the horizon on are kept here, in memory, and written in the commit whose
 * readings reach a later minute, which moves the horizon there; a reading before the horizon (a
 * clock stepped back) goes to the tables in its own commit. So a query reads rollups before the
 * horizon and raw points from it on (series-query.ts), retention keeps the raw points from the
 * horizon on (retention.ts), and after a crash the cells are rebuilt from those raw points,
 * which the same commits wrote. A clean close writes every cell held.
 */
import type { Db } from '../../storage/database.js';
import { type Cell, Cells, FINEST_WIDTH, ROLLUPS, bucketOf, rollUp } from './rollup.js';
import { RowBatch } from './row-batch.js';

/** The statement that reads the horizon, for readers of the tables on any connection. */
export const horizonOf = (db: Db): (() => number) => {
  const read = db.prepare("SELECT value FROM history_meta WHERE key = 'rollup_horizon'").pluck();
  return () => read.get() as number;
};

export interface RollupWriter {
  /**
   * Before each chunk's transaction: on the first, reads the horizon and rebuilds the cells from
   * the raw points from it on (after a crash they are all there is). Outside the transaction, so
   * it sees only what is committed, not the chunk's own points.
   */
  begin(): void;
  /** Takes one reading of the chunk being written. */
  add(series: number, ts: number, value: number): void;
  /** Adds this chunk's upserts to the batches (flushed with the chunk) and moves the horizon. */
  stage(): void;
  /** The chunk committed: keeps its cells from the new horizon on, forgets the cells written. */
  committed(): void;
  /** The chunk failed: forgets its readings (a retry adds them again). */
  failed(): void;
  /**
   * Writes every cell held, in a transaction of its own, and moves the horizon past them: on
   * close. Returns whether it did; when the write fails, nothing is lost: the next start rebuilds
   * the cells from the raw points.
   */
  flushAll(): boolean;
  /** The batches to flush before a commit and clear after a failure. */
  readonly batches: readonly RowBatch[];
}

export function createRollupWriter(db: Db): RollupWriter {
  const levels = ROLLUPS.map(({ width, table }) => ({
    width,
    rows: new RowBatch(
      db,
      (values) => `INSERT INTO ${table} (series, bucket, sum_v, min_v, max_v, n) VALUES ${values}
       ON CONFLICT (series, bucket) DO UPDATE SET sum_v = sum_v + excluded.sum_v,
         min_v = min(min_v, excluded.min_v), max_v = max(max_v, excluded.max_v), n = n + excluded.n`,
      6,
    ),
  }));
  const readHorizon = horizonOf(db);
  const writeHorizon = db.prepare("UPDATE history_meta SET value = ? WHERE key = 'rollup_horizon'");
  // Folded by SQLite into the finest cells; CROSS JOIN keeps series the outer loop: one seek per
  // series into points clustered by (series, ts).
  const cellsFrom = db.prepare(
    `SELECT p.series, p.ts / ${FINEST_WIDTH} * ${FINEST_WIDTH} AS bucket, sum(p.value) AS sum, min(p.value) AS min, max(p.value) AS max, count(*) AS n
     FROM history_series s CROSS JOIN history_points p ON p.series = s.id AND p.ts >= ? GROUP BY p.series, bucket`,
  );

  /** Committed: the horizon, and the cells from it on; read by the first begin() (a writer only asked for meta never reads them). */
  let state: { horizon: number; held: Cells } = { horizon: 0, held: new Cells() };
  let loaded = false;
  /** The chunk being written: its cells from the horizon on, its readings before it, the horizon it moves to. */
  let fresh = new Cells();
  let late = new Cells();
  let next = 0;

  /** Upserts cells of the finest width into every level, coarser ones folded from them. */
  function upsert(cells: Cells): void {
    for (const { width, rows } of levels) {
      for (const c of width === FINEST_WIDTH ? cells : rollUp(cells, width)) rows.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
    }
  }

  const reset = (): void => {
    fresh = new Cells();
    late = new Cells();
    next = state.horizon;
  };

  return {
    batches: levels.map((l) => l.rows),
    begin() {
      if (loaded) return;
      const horizon = readHorizon();
      const held = new Cells();
      for (const c of cellsFrom.iterate(horizon) as IterableIterator<Cell>) held.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
      state = { horizon, held };
      loaded = true;
      reset();
    },
    add(series, ts, value) {
      const bucket = bucketOf(ts, FINEST_WIDTH);
      if (bucket < state.horizon) {
        late.add(series, bucket, value, value, value, 1);
        return;
      }
      fresh.add(series, bucket, value, value, value, 1);
      if (bucket > next) next = bucket;
    },
    stage() {
      const written = late;
      for (const c of state.held.before(next)) written.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
      for (const c of fresh.before(next)) written.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
      upsert(written);
      if (next > state.horizon) writeHorizon.run(next);
    },
    committed() {
      for (const c of fresh) state.held.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
      state.held.dropBefore(next);
      state.horizon = next;
      reset();
    },
    failed: reset,
    flushAll() {
      const latest = state.held.latest();
      if (latest === null) return true;
      const end = latest + FINEST_WIDTH;
      try {
        db.transaction(() => {
          upsert(state.held);
          for (const { rows } of levels) rows.flush();
          writeHorizon.run(end);
        }).immediate();
      } catch {
        return false;
      } finally {
        for (const { rows } of levels) rows.clear();
      }
      state = { horizon: end, held: new Cells() };
      reset();
      return true;
    },
  };
}
