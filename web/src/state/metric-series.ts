/**
 * One metric of one device as a chart draws it: buckets of `step` ms from `GET /api/history`
 * up to the cut, and live readings from the cut on, folded into the same buckets. History is
 * asked for `[from, cut)` and live readings are kept only from `cut` on, so the seam between
 * them has no gap and no duplicate; a bucket the seam splits is merged exactly (sum/count),
 * as if the hub had computed it whole. Pure, unit-tested in Node.
 */

export interface Bucket {
  /** Bucket start, ms since epoch, a multiple of the step (epoch-aligned like the hub's rollups). */
  t: number;
  sum: number;
  min: number;
  max: number;
  count: number;
}

/** Bucket widths the chart asks for, so the hub can answer from a rollup. */
export const STEPS_MS = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 21_600_000, 43_200_000, 86_400_000,
] as const;

/** The smallest step that draws `spanMs` in at most `points` buckets. */
export function pickStep(spanMs: number, points: number): number {
  const wanted = spanMs / Math.max(1, points);
  return STEPS_MS.find((s) => s >= wanted) ?? 86_400_000;
}

/** Consecutive buckets further apart than this many steps (and 10 s) are drawn with a break. */
const GAP_STEPS = 3;
const MIN_GAP_MS = 10_000;

export interface SeriesColumns {
  x: number[];
  avg: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

export class MetricSeries {
  private liveTs: number[] = [];
  private liveValues: number[] = [];
  private buckets: Bucket[] = [];
  private stepMs: number = STEPS_MS[0];
  /** Live readings after this are not folded: the chart shows a past window. */
  private until = Infinity;

  /**
   * @param cut hub time from which this series takes live readings; history covers what is before it.
   * @param maxLive most live readings kept; beyond it the oldest are dropped and the cut moves forward
   *   past them (they are in the hub's history by then).
   */
  constructor(
    private cutTs: number,
    private readonly maxLive = 50_000,
  ) {}

  get cut(): number {
    return this.cutTs;
  }

  get step(): number {
    return this.stepMs;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Adds a live reading. Returns false when it is before the cut (history holds it) or after the window. */
  addLive(ts: number, value: number): boolean {
    if (ts < this.cutTs) return false;
    this.liveTs.push(ts);
    this.liveValues.push(value);
    if (this.liveTs.length > this.maxLive) {
      const drop = Math.ceil(this.maxLive / 10);
      this.liveTs.splice(0, drop);
      this.liveValues.splice(0, drop);
      this.cutTs = this.liveTs[0] ?? this.cutTs;
    }
    if (ts >= this.until) return false;
    this.fold(ts, value);
    return true;
  }

  /**
   * Replaces the buckets with the hub's answer for `[from, min(until, cut))` at `step`, then folds
   * in the live readings before `until` (Infinity: a live window).
   */
  setHistory(step: number, points: readonly (readonly number[])[], until = Infinity): void {
    this.stepMs = step;
    this.until = until;
    this.buckets = [];
    for (const p of points) {
      const [t, avg, min, max, count] = p as [number, number, number, number, number];
      if (t >= this.cutTs || count <= 0) continue;
      this.buckets.push({ t, sum: avg * count, min, max, count });
    }
    this.buckets.sort((a, b) => a.t - b.t);
    for (let i = 0; i < this.liveTs.length; i++) {
      const ts = this.liveTs[i] as number;
      if (ts < until) this.fold(ts, this.liveValues[i] as number);
    }
  }

  /** Forgets buckets that ended before `from` (the window slid past them). */
  trimBefore(from: number): void {
    let n = 0;
    while (n < this.buckets.length && (this.buckets[n] as Bucket).t + this.stepMs <= from) n++;
    if (n > 0) this.buckets.splice(0, n);
  }

  /** The chart's columns: bucket starts, averages and the min/max band, with a null where data stops. */
  columns(): SeriesColumns {
    const out: SeriesColumns = { x: [], avg: [], min: [], max: [] };
    const gap = Math.max(GAP_STEPS * this.stepMs, MIN_GAP_MS);
    let prev: number | null = null;
    for (const b of this.buckets) {
      if (prev !== null && b.t - prev > gap) {
        out.x.push(prev + this.stepMs);
        out.avg.push(null);
        out.min.push(null);
        out.max.push(null);
      }
      out.x.push(b.t);
      out.avg.push(b.sum / b.count);
      out.min.push(b.min);
      out.max.push(b.max);
      prev = b.t;
    }
    return out;
  }

  /** The newest buckets, newest first, for the chart's data table. */
  latest(n: number): Bucket[] {
    return this.buckets.slice(-n).reverse();
  }

  private fold(ts: number, value: number): void {
    const t = Math.floor(ts / this.stepMs) * this.stepMs;
    let i = this.buckets.length;
    // Readings arrive in hub order, so the search almost always stops at the last bucket.
    while (i > 0 && (this.buckets[i - 1] as Bucket).t > t) i--;
    const at = this.buckets[i - 1];
    if (at && at.t === t) {
      at.sum += value;
      at.count++;
      at.min = Math.min(at.min, value);
      at.max = Math.max(at.max, value);
    } else {
      this.buckets.splice(i, 0, { t, sum: value, min: value, max: value, count: 1 });
    }
  }
}
