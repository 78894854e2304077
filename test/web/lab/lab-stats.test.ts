import { describe, expect, it } from 'vitest';
import { LabStats, SAMPLES_PER_SECOND, WINDOW_SECONDS, quantile } from '../../../web/src/lab/lab-stats.js';

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBe(null);
  });
});

describe('LabStats', () => {
  it('counts received, missed (gaps in the counter), requests and bytes per message', () => {
    const s = new LabStats();
    s.request();
    for (const n of [1, 2, 5, 6]) {
      s.message(n, 10);
      s.bytesOnWire(100);
    }
    s.message(1, 10); // publisher restarted: no negative gap
    s.message(2, 10);
    s.rollSecond();
    expect(s.figures()).toEqual({ p50: 10, p99: 10, received: 6, missed: 2, requests: 1, bytesPerMessage: 400 / 6, perSecond: 6 });
  });

  it('covers only the last few seconds of latency', () => {
    const s = new LabStats();
    s.message(null, 1000);
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      s.rollSecond();
      s.message(null, 5);
    }
    expect(s.figures().p99).toBe(5);
  });

  it('keeps a bounded, uniform sample of a busy second', () => {
    let r = 0;
    const s = new LabStats(() => (r = (r + 0.618) % 1));
    for (let i = 0; i < SAMPLES_PER_SECOND * 3; i++) s.message(i + 1, i < SAMPLES_PER_SECOND * 1.5 ? 1 : 100);
    const f = s.figures();
    expect(f.received).toBe(SAMPLES_PER_SECOND * 3);
    expect(f.p50 === 1 || f.p50 === 100).toBe(true);
    expect(f.p99).toBe(100);
  });

  it('starts over on reset', () => {
    const s = new LabStats();
    s.message(1, 3);
    s.reset();
    expect(s.figures()).toMatchObject({ received: 0, p50: null, bytesPerMessage: null });
  });
});
