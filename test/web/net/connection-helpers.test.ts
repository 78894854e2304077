import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../web/src/net/backoff.js';
import { ClockOffset, OFFSET_WINDOW_MS } from '../../../web/src/net/clock-offset.js';

describe('Backoff', () => {
  it('grows exponentially with equal jitter up to the ceiling, and starts over after reset', () => {
    const low = new Backoff({ initialMs: 500, maxMs: 4000, factor: 2, random: () => 0 });
    expect([low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([250, 500, 1000, 2000, 2000]);
    const high = new Backoff({ initialMs: 500, maxMs: 4000, factor: 2, random: () => 0.999999 });
    expect([high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(high.attempts).toBe(5);
    high.reset();
    expect(high.attempts).toBe(0);
    expect(high.next()).toBe(500);
  });
});

describe('ClockOffset', () => {
  it('is 0 before any message and the largest lower bound after', () => {
    const c = new ClockOffset();
    expect(c.offset()).toBe(0);
    c.sample(10_000, 9_000); // hub ahead by at least 1000
    c.sample(10_500, 9_600); // delivered slower: bound 900
    expect(c.offset()).toBe(1000);
  });

  it('ignores replayed old messages and learns a clock step within two windows', () => {
    const c = new ClockOffset();
    c.sample(100_000, 100_000);
    c.sample(50_000, 100_001); // a replayed message from long ago
    expect(c.offset()).toBe(0);
    // The hub's clock steps back 5 s: the previous window still vouches for 0.
    c.sample(105_000, 100_000 + OFFSET_WINDOW_MS);
    expect(c.offset()).toBe(0);
    c.sample(105_000 + OFFSET_WINDOW_MS, 100_000 + 2 * OFFSET_WINDOW_MS);
    expect(c.offset()).toBe(-5000);
  });
});
