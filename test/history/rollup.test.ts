/**
 * Bucketing and rollups against a brute-force computation on the raw readings: whatever
 * table the store reads, the answer is what bucketing every raw reading would give.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteHistoryStore } from '../../bridge/history/index.js';
import type { DeviceView } from '../../protocol/message.js';
import type { Db } from '../../storage/database.js';
import { Fixture, telemetry } from './fixtures.js';

const M = 60_000;
const H = 3_600_000;
const D = 86_400_000;
const T0 = Date.UTC(2025, 2, 1, 0, 0, 0) + 17_345; // deliberately not aligned to anything

interface Reading {
  device: string;
  ts: number;
  temperature: number;
  voltage: number;
}
type Point = [number, number, number, number, number];

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Three days of two devices at irregular intervals, with a clock step backwards in the middle. */
function generate(): Reading[] {
  const rnd = random(7);
  const out: Reading[] = [];
  let ts = T0;
  let temp = 20;
  while (ts < T0 + 3 * D) {
    ts += Math.floor(rnd() * 40_000) + 1;
    if (out.length === 4_000) ts -= 10 * M;
    temp += rnd() - 0.5;
    const temperature = Math.round(temp * 100) / 100 || 0; // no -0: SQLite reads it back as 0
    out.push({ device: rnd() < 0.8 ? 'd1' : 'd2', ts, temperature, voltage: 220 + rnd() * 20 });
  }
  return out;
}

function bruteForce(readings: Reading[], device: string, metric: 'temperature' | 'voltage', from: number, to: number, step: number): Point[] {
  const buckets = new Map<number, { sum: number; min: number; max: number; n: number }>();
  for (const r of readings) {
    if (r.device !== device || r.ts < from || r.ts >= to) continue;
    const b = Math.floor(r.ts / step) * step;
    const v = r[metric];
    const acc = buckets.get(b) ?? { sum: 0, min: Infinity, max: -Infinity, n: 0 };
    buckets.set(b, { sum: acc.sum + v, min: Math.min(acc.min, v), max: Math.max(acc.max, v), n: acc.n + 1 });
  }
  return [...buckets.entries()].sort(([a], [b]) => a - b).map(([b, a]) => [b, a.sum / a.n, a.min, a.max, a.n]);
}

function expectSame(actual: Point[], expected: Point[]): void {
  expect(actual.map(([b, , lo, hi, n]) => [b, lo, hi, n])).toEqual(expected.map(([b, , lo, hi, n]) => [b, lo, hi, n]));
  actual.forEach(([, avg], i) => expect(avg).toBeCloseTo((expected[i] as Point)[1], 9));
}

const horizon = (db: Db): number => db.prepare("SELECT value FROM history_meta WHERE key = 'rollup_horizon'").pluck().get() as number;

const device = (id: string): DeviceView => ({ id, firstSeen: T0, lastSeen: T0, online: true, model: null, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] });

describe('bucketing and rollups', () => {
  const fx = new Fixture();
  const readings = generate();
  let store: SqliteHistoryStore;
  let db: Db;
  let now = T0 + 3 * D;

  beforeAll(async () => {
    ({ store, db } = fx.open(fx.file(), { maxBatch: 500, now: () => now, retention: { rawMs: 0, messagesMs: 0, minuteMs: 0, hourMs: 0 } }));
    store.saveDevice(device('d1'));
    store.saveDevice(device('d2'));
    const commits = readings.map((r, i) => store.append(telemetry(i + 1, r.ts, r.device, { temperature: r.temperature, voltage: r.voltage })));
    await Promise.all(commits);
  });
  afterAll(() => fx.cleanup());

  it('keeps minute and hour rollup rows equal to the raw readings before the horizon, the newest minute held', () => {
    expect(horizon(db)).toBe(Math.floor(Math.max(...readings.map((r) => r.ts)) / M) * M);
    for (const [table, width] of [
      ['history_rollup_minute', M],
      ['history_rollup_hour', H],
    ] as const) {
      const rows = db
        .prepare(`SELECT bucket, sum_v, min_v, max_v, n FROM ${table} r JOIN history_series s ON s.id = r.series WHERE s.device = 'd1' AND s.metric = 'temperature' ORDER BY bucket`)
        .raw()
        .all() as number[][];
      const points: Point[] = rows.map(([b, sum, lo, hi, n]) => [b as number, (sum as number) / (n as number), lo as number, hi as number, n as number]);
      expectSame(points, bruteForce(readings, 'd1', 'temperature', 0, horizon(db), width));
    }
  });

  const ranges: [string, number, number, number | undefined][] = [
    ['raw, unaligned, 7 s', T0 + 5 * M + 123, T0 + 2 * H + 77, 7_000],
    ['minute rollups with raw edges, 5 min', T0 + 333, T0 + D + 4_321, 5 * M],
    ['hour rollups with minute and raw edges, 1 h', T0 + 59 * M + 1, T0 + 2 * D + 3 * M + 9, H],
    ['hour rollups, 1 day', T0 - D, T0 + 4 * D, D],
    ['the whole span, 1 min', T0, T0 + 3 * D, M],
    ['across the clock step, 1 min', T0 + 20 * H, T0 + 40 * H, M],
    ['auto step', T0 + 1, T0 + 3 * D - 1, undefined],
  ];
  it.each(ranges)('answers like brute force: %s', (_name, from, to, step) => {
    for (const [dev, metric] of [
      ['d1', 'temperature'],
      ['d2', 'voltage'],
    ] as const) {
      const answer = store.history({ device: dev, metric, from, to, step });
      if (!answer.ok) throw new Error(answer.error);
      expect(answer.value.points.length).toBeGreaterThan(0);
      expectSame(answer.value.points, bruteForce(readings, dev, metric, from, to, answer.value.step));
    }
  });

  it('answers from rollups once the raw points are gone', async () => {
    const from = T0 - (T0 % H) + H;
    const to = from + 2 * D;
    const before = store.history({ device: 'd1', metric: 'temperature', from, to, step: H });
    now = T0 + 10 * D;
    // A second store on the same connection, this one keeping raw points for a day.
    const { store: pruning } = fx.open(db, { now: () => now, retention: { rawMs: D, messagesMs: 0, minuteMs: 0, hourMs: 0 } });
    const report = await pruning.prune();
    // The raw points of the newest minute stay: the rollups do not have them yet.
    expect(report.points).toBe(readings.filter((r) => r.ts < horizon(db)).length * 2);
    expect(store.history({ device: 'd1', metric: 'temperature', from, to, step: 30_000 })).toMatchObject({ ok: true, value: { points: [] } });
    expect(store.history({ device: 'd1', metric: 'temperature', from, to, step: H })).toEqual(before);
  });
});
