/**
 * How a history query is answered: which bucket width, and which table serves each part of
 * the range. Buckets are aligned to the epoch (as InfluxDB's GROUP BY time does), so a
 * rollup cell of width W lies inside one bucket whenever the step is a multiple of W.
 * Pure functions.
 */
import { ROLLUPS, type RollupLevel } from './rollup.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_POINTS = 800;
/** Buckets one answer may hold. */
export const MAX_POINTS = 10_000;
/** A bucket wider than a leap year is a mistake, not a chart. */
export const MAX_STEP = 366 * DAY;

/** Steps a chart axis reads well at, ascending. */
const NICE_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, MAX_STEP,
];

/** The smallest nice step that covers [from, to) in at most `points` buckets (plus one for alignment). */
export function autoStep(from: number, to: number, points: number): number {
  const wanted = (to - from) / points;
  return NICE_STEPS.find((s) => s >= wanted) ?? MAX_STEP;
}

/** How many epoch-aligned buckets of `step` touch [from, to). */
export function bucketCount(from: number, to: number, step: number): number {
  return Math.floor((to - 1) / step) - Math.floor(from / step) + 1;
}

export type Source = 'raw' | RollupLevel;

/** A part of the query range served by one table. */
export interface Segment {
  source: Source;
  from: number;
  to: number;
}

/**
 * Splits [from, to) so that the coarsest rollup whose width divides `step` serves the
 * whole cells in the middle, finer rollups the partial cells at the edges, and raw points
 * only what is left: a month at a one-hour step reads about 720 hour rows, the minute rows
 * of two partial hours and the raw points of two partial minutes. The answer equals
 * bucketing the raw points directly, as long as the data is still kept.
 */
export function planSegments(from: number, to: number, step: number): Segment[] {
  return split(
    from,
    to,
    ROLLUPS.filter((r) => step % r.width === 0),
  );
}

function split(from: number, to: number, rollups: readonly { level: RollupLevel; width: number }[]): Segment[] {
  if (from >= to) return [];
  const [coarsest, ...finer] = rollups;
  if (!coarsest) return [{ source: 'raw', from, to }];
  const start = Math.ceil(from / coarsest.width) * coarsest.width;
  const end = Math.floor(to / coarsest.width) * coarsest.width;
  if (start >= end) return split(from, to, finer);
  return [...split(from, start, finer), { source: coarsest.level, from: start, to: end }, ...split(end, to, finer)];
}
