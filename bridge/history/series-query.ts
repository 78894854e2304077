/**
 * `history()`: bucketed avg/min/max/count of one metric of one device. Validates first,
 * then reads each segment of the plan (raw points or a rollup table) and merges the
 * per-bucket partial sums. Every read has a row limit; a query over it is refused, not run.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { HistoryBody } from '../../protocol/message.js';
import type Database from 'better-sqlite3';
import type { Db } from '../../storage/database.js';
import { DEFAULT_POINTS, MAX_POINTS, MAX_STEP, type Source, autoStep, bucketCount, planSegments } from './query-plan.js';
import { checkDevice, checkInt, checkMetric, checkRange, firstFailure } from '../../http/params.js';
import { ROLLUPS } from './rollup.js';
import { horizonOf } from './rollup-writer.js';
import type { HistoryQuery } from './store.js';

interface BucketPart {
  b: number;
  s: number;
  lo: number;
  hi: number;
  n: number;
  rows: number;
}

export interface SeriesQueryOptions {
  db: Db;
  /** Rows one query may read across all its segments. */
  maxScanRows: number;
  /** A device is known when the registry has it. */
  knownDevice(id: string): boolean;
}

export function createSeriesQuery(o: SeriesQueryOptions): (q: HistoryQuery) => Result<HistoryBody> {
  const findSeries = o.db.prepare('SELECT id FROM history_series WHERE device = ? AND metric = ?').pluck();
  // Numbers bind as REAL in better-sqlite3: the casts keep the bucket arithmetic integral.
  const step = 'CAST(@step AS INTEGER)';
  const raw = o.db.prepare(
    `SELECT (ts / ${step}) * ${step} AS b, sum(value) AS s, min(value) AS lo, max(value) AS hi, count(*) AS n, count(*) AS rows
     FROM (SELECT ts, value FROM history_points WHERE series = @series AND ts >= @from AND ts < @to LIMIT @cap) GROUP BY b`,
  );
  const rollup = (table: string) =>
    o.db.prepare(
      `SELECT (bucket / ${step}) * ${step} AS b, sum(sum_v) AS s, min(min_v) AS lo, max(max_v) AS hi, sum(n) AS n, count(*) AS rows
       FROM (SELECT bucket, sum_v, min_v, max_v, n FROM ${table} WHERE series = @series AND bucket >= @from AND bucket < @to LIMIT @cap) GROUP BY b`,
    );
  const reads = new Map<Source, Database.Statement>([['raw', raw], ...ROLLUPS.map((r) => [r.level, rollup(r.table)] as const)]);
  const horizon = horizonOf(o.db);
  /**
   * The plan's segments, read in one transaction, so the horizon and the tables are of the same
   * commit: rollups hold only what lies before the horizon (rollup-writer.ts), raw points the rest.
   */
  const readSegments = o.db.transaction((series: number, from: number, to: number, width: number): BucketPart[] | null => {
    const cut = Math.min(Math.max(horizon(), from), to);
    const segments = [...planSegments(from, cut, width), ...(cut < to ? [{ source: 'raw' as const, from: cut, to }] : [])];
    const parts: BucketPart[] = [];
    let budget = o.maxScanRows;
    for (const seg of segments) {
      for (const p of (reads.get(seg.source) as Database.Statement).all({ step: width, series, from: seg.from, to: seg.to, cap: budget + 1 }) as BucketPart[]) {
        budget -= p.rows;
        parts.push(p);
      }
      if (budget < 0) return null;
    }
    return parts;
  });

  return (q) => {
    const { device, metric, from, to } = q;
    const checked = firstFailure(
      checkDevice(device, o.knownDevice),
      checkMetric(metric),
      checkRange(from, to),
      q.points === undefined ? ok(true) : checkInt('points', q.points, 1, MAX_POINTS),
      q.step === undefined ? ok(true) : checkInt('step', q.step, 1, MAX_STEP, ' number of ms'),
    );
    if (!checked.ok) return checked;
    const width = q.step ?? autoStep(from, to, q.points ?? DEFAULT_POINTS);
    const buckets = bucketCount(from, to, width);
    if (buckets > MAX_POINTS) return fail('bad_param', `step ${width} ms cuts this range into ${buckets} buckets; at most ${MAX_POINTS}`);

    const body: HistoryBody = { device, metric, step: width, points: [] };
    const series = findSeries.get(device, metric) as number | undefined;
    if (series === undefined) return ok(body);

    const parts = readSegments(series, from, to, width);
    if (parts === null) {
      return fail('bad_param', `this range holds more than ${o.maxScanRows} stored rows at step ${width} ms; use a coarser step (a multiple of 60000 ms reads the rollups)`);
    }
    const merged = new Map<number, BucketPart>();
    for (const p of parts) {
      const m = merged.get(p.b);
      if (!m) merged.set(p.b, p);
      else {
        m.s += p.s;
        m.n += p.n;
        m.lo = Math.min(m.lo, p.lo);
        m.hi = Math.max(m.hi, p.hi);
      }
    }
    body.points = [...merged.values()].sort((a, b) => a.b - b.b).map((p) => [p.b, p.s / p.n, p.lo, p.hi, p.n]);
    return ok(body);
  };
}
