/**
 * How readings (protocol/readings.ts) fold into per-minute and per-hour rollups. Pure
 * functions; the row writer stores what they return.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export type RollupLevel = 'minute' | 'hour';

/** Rollup tables, coarsest first, with their bucket width in ms. */
export const ROLLUPS: readonly { level: RollupLevel; width: number; table: string }[] = [
  { level: 'hour', width: HOUR_MS, table: 'history_rollup_hour' },
  { level: 'minute', width: MINUTE_MS, table: 'history_rollup_minute' },
];

/** One rollup row: the readings of one series that fall in [bucket, bucket + width). */
export interface Cell {
  series: number;
  bucket: number;
  sum: number;
  min: number;
  max: number;
  n: number;
}

export interface Point {
  series: number;
  ts: number;
  value: number;
}

/** Folds points into cells of `width` ms, aligned to the epoch, so one upsert per cell reaches the table. */
export function rollUp(points: readonly Point[], width: number): Cell[] {
  const cells = new Map<string, Cell>();
  for (const p of points) {
    const bucket = Math.floor(p.ts / width) * width;
    const key = `${p.series}:${bucket}`;
    const cell = cells.get(key);
    if (cell) {
      cell.sum += p.value;
      cell.n++;
      if (p.value < cell.min) cell.min = p.value;
      if (p.value > cell.max) cell.max = p.value;
    } else {
      cells.set(key, { series: p.series, bucket, sum: p.value, min: p.value, max: p.value, n: 1 });
    }
  }
  return [...cells.values()];
}
