import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffWindow } from '../../devices/backoff.js';
import { createRng, deviceRng } from '../../devices/random.js';

describe('backoff with full jitter', () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [3, 8000],
    [5, 32_000],
    [6, 60_000],
    [40, 60_000],
    [-1, 1000],
  ])('retry %i has a window of %i ms', (attempt, window) => {
    expect(backoffWindow(attempt, { baseMs: 1000, maxMs: 60_000 })).toBe(window);
  });

  it('draws delays inside the window, spread across devices (no lock-step return)', () => {
    const opts = { baseMs: 1000, maxMs: 60_000 };
    const delays = Array.from({ length: 1000 }, (_, i) => backoffDelay(2, opts, deviceRng(1, `thermo-${i}`, 'backoff')));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    // Each quarter of the window gets a fair share of the devices.
    const quarters = [0, 0, 0, 0];
    for (const d of delays) quarters[Math.floor(d / 1000)]! += 1;
    for (const q of quarters) expect(q).toBeGreaterThan(180);
  });
});

describe('seeded randomness', () => {
  it('repeats for the same seed and differs for another', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives each device and purpose its own stream', () => {
    const first = (id: string, purpose: string) => deviceRng(1, id, purpose).next();
    expect(first('thermo-1', 'readings')).toBe(first('thermo-1', 'readings'));
    expect(first('thermo-1', 'readings')).not.toBe(first('thermo-2', 'readings'));
    expect(first('thermo-1', 'readings')).not.toBe(first('thermo-1', 'faults'));
  });

  it('draws normals with the asked mean and spread, and ints within bounds', () => {
    const rng = createRng(3);
    const xs = Array.from({ length: 20_000 }, () => rng.normal(10, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
    const ints = new Set(Array.from({ length: 1000 }, () => rng.int(1, 4)));
    expect(ints).toEqual(new Set([1, 2, 3, 4]));
    expect(() => rng.pick([])).toThrow(/empty/);
  });
});
