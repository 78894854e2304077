import { describe, expect, it } from 'vitest';
import { MetricSeries, STEPS_MS, pickStep } from '../../../web/src/state/metric-series.js';

const T0 = 1_699_920_000_000; // midnight UTC: a multiple of every step

/** Sum and count over all buckets, from the columns the chart draws. */
function totals(s: MetricSeries): { count: number; sum: number } {
  return s.latest(10_000).reduce((acc, b) => ({ count: acc.count + b.count, sum: acc.sum + b.sum }), { count: 0, sum: 0 });
}

describe('MetricSeries', () => {
  it('merges the bucket the cut splits exactly, as if the hub had computed it whole', () => {
    // Readings every 250 ms from T0 to T0+4s; the cut falls at T0+2100, inside the 5 s bucket.
    const readings = Array.from({ length: 16 }, (_, i) => [T0 + i * 250, i + 1] as const);
    const cut = T0 + 2100;
    const s = new MetricSeries(cut);
    for (const [ts, v] of readings) s.addLive(ts, v);
    // The hub's answer for [T0, cut): one bucket holding the readings before the cut.
    const before = readings.filter(([ts]) => ts < cut).map(([, v]) => v);
    s.setHistory(5000, [[T0, before.reduce((a, b) => a + b) / before.length, Math.min(...before), Math.max(...before), before.length]]);
    const [bucket] = s.latest(1);
    expect(s.bucketCount).toBe(1);
    expect(bucket).toMatchObject({ t: T0, count: 16, min: 1, max: 16 });
    expect((bucket?.sum ?? 0) / 16).toBeCloseTo(8.5, 10);
  });

  it('keeps live readings from before the cut out (history holds them): no duplicate', () => {
    const s = new MetricSeries(T0 + 1000);
    expect(s.addLive(T0 + 999, 5)).toBe(false);
    expect(s.addLive(T0 + 1000, 6)).toBe(true);
    s.setHistory(1000, [[T0, 5, 5, 5, 1]]);
    expect(totals(s)).toEqual({ count: 2, sum: 11 });
  });

  it('ignores history buckets at or after the cut, which live readings already cover', () => {
    const s = new MetricSeries(T0 + 2000);
    s.addLive(T0 + 2000, 3);
    s.setHistory(1000, [
      [T0, 1, 1, 1, 1],
      [T0 + 1000, 2, 2, 2, 1],
      [T0 + 2000, 3, 3, 3, 1],
    ]);
    expect(totals(s)).toEqual({ count: 3, sum: 6 });
  });

  it('rebuilds at a new step from the same readings (zoom changes resolution, not data)', () => {
    const s = new MetricSeries(T0);
    for (let i = 0; i < 120; i++) s.addLive(T0 + i * 1000, i);
    s.setHistory(1000, []);
    expect(s.bucketCount).toBe(120);
    s.setHistory(60_000, []);
    expect(s.bucketCount).toBe(2);
    expect(totals(s)).toEqual({ count: 120, sum: (119 * 120) / 2 });
  });

  it('shows a past window without the live readings after it', () => {
    const s = new MetricSeries(T0);
    for (let i = 0; i < 10; i++) s.addLive(T0 + i * 1000, 1);
    s.setHistory(1000, [], T0 + 5000);
    expect(totals(s).count).toBe(5);
    expect(s.addLive(T0 + 11_000, 1)).toBe(false);
    expect(totals(s).count).toBe(5);
  });

  it('draws a break where data stops for longer than three steps (and 10 s), not for jitter', () => {
    const s = new MetricSeries(T0);
    for (const ts of [0, 1000, 3000, 4000, 60_000, 61_000]) s.addLive(T0 + ts, 1);
    s.setHistory(1000, []);
    const c = s.columns();
    expect(c.avg.filter((v) => v === null)).toHaveLength(1);
    expect(c.x).toHaveLength(7);
  });

  it('caps live readings and moves the cut past the dropped ones', () => {
    const s = new MetricSeries(T0, 100);
    for (let i = 0; i < 101; i++) s.addLive(T0 + i * 1000, i);
    expect(s.cut).toBe(T0 + 10_000);
    expect(s.addLive(T0 + 5000, 1)).toBe(false);
  });

  it('trims buckets that slid out of the window', () => {
    const s = new MetricSeries(T0);
    for (let i = 0; i < 10; i++) s.addLive(T0 + i * 1000, i);
    s.setHistory(1000, []);
    s.trimBefore(T0 + 5000);
    expect(s.bucketCount).toBe(5);
  });
});

describe('pickStep', () => {
  it.each([
    [15 * 60_000, 400, 5_000],
    [60 * 60_000, 400, 10_000],
    [24 * 3_600_000, 400, 300_000],
    [1000, 400, 1000],
    [400 * 86_400_000, 400, 86_400_000],
  ])('span %i ms in %i points → %i ms', (span, points, step) => {
    expect(pickStep(span, points)).toBe(step);
    expect(STEPS_MS).toContain(step);
  });
});
