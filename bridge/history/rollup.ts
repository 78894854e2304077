/**
 * How readings (protocol/readings.ts) fold into per-minute and per-hour rollups. Pure
 * functions and a map of cells; the row writer stores what they return.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type RollupLevel = 'minute' | 'hour';

/** Rollup tables, coarsest first, with their bucket width in ms. */
export const ROLLUPS: readonly { level: RollupLevel; width: number; table: string }[] = [
  { level: 'hour', width: HOUR_MS, table: 'history_rollup_hour' },
  { level: 'minute', width: MINUTE_MS, table: 'history_rollup_minute' },
];

/** The finest rollup's width: the writer keeps the cells of the newest such bucket in memory (rollup-writer.ts). */
export const FINEST_WIDTH = MINUTE_MS;

/** The start of the bucket of `width` ms, aligned to the epoch, that holds `ts`. */
export const bucketOf = (ts: number, width: number): number => Math.floor(ts / width) * width;

/** One rollup row: the readings of one series that fall in [bucket, bucket + width). */
export interface Cell {
  series: number;
  bucket: number;
  sum: number;
  min: number;
  max: number;
  n: number;
}

/**
 * Cells by bucket, then series: numbers, not key strings, since this runs for every reading on
 * the commit thread. Adding to a cell that exists combines the two.
 */
export class Cells {
  private readonly byBucket = new Map<number, Map<number, Cell>>();

  /** Adds `n` readings summing to `sum`, between `min` and `max`, to the cell of (series, bucket). */
  add(series: number, bucket: number, sum: number, min: number, max: number, n: number): void {
    let bySeries = this.byBucket.get(bucket);
    if (!bySeries) this.byBucket.set(bucket, (bySeries = new Map()));
    const cell = bySeries.get(series);
    if (!cell) {
      bySeries.set(series, { series, bucket, sum, min, max, n });
      return;
    }
    cell.sum += sum;
    cell.n += n;
    if (min < cell.min) cell.min = min;
    if (max > cell.max) cell.max = max;
  }

  /** Every cell, bucket by bucket. */
  *[Symbol.iterator](): IterableIterator<Cell> {
    for (const bySeries of this.byBucket.values()) yield* bySeries.values();
  }

  /** The cells of buckets before `end`. */
  *before(end: number): IterableIterator<Cell> {
    for (const [bucket, bySeries] of this.byBucket) if (bucket < end) yield* bySeries.values();
  }

  /** Drops the cells of buckets before `end`. */
  dropBefore(end: number): void {
    for (const bucket of this.byBucket.keys()) if (bucket < end) this.byBucket.delete(bucket);
  }

  /** The latest bucket held, or null when empty. */
  latest(): number | null {
    let last: number | null = null;
    for (const bucket of this.byBucket.keys()) if (last === null || bucket > last) last = bucket;
    return last;
  }
}

/** Folds cells into cells of `width` ms that hold them (minutes into hours). */
export function rollUp(cells: Iterable<Cell>, width: number): Cells {
  const out = new Cells();
  for (const c of cells) out.add(c.series, bucketOf(c.bucket, width), c.sum, c.min, c.max, c.n);
  return out;
}
