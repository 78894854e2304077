/** The per-key window behind the connect and failed-login limits (connect-policy.ts), on real timers with a short window. */
import { describe, expect, it } from 'vitest';
import { KeyRateLimit } from '../../broker/key-rate-limit.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyRateLimit', () => {
  it('allows the points in a window per key, counts refusals, and opens a new window when it ends', async () => {
    const limit = new KeyRateLimit(2, 80);
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([true, true, false]);
    expect(limit.take('b')).toBe(true); // keys are apart
    limit.refund('a'); // 3 counted (the refusal too) -> 2: still at the limit
    expect(limit.take('a')).toBe(false);
    await sleep(120);
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([true, true, false]);
  });

  it('a refund makes room within the window', () => {
    const limit = new KeyRateLimit(1, 60_000);
    expect(limit.take('x')).toBe(true);
    limit.refund('x');
    expect(limit.take('x')).toBe(true);
    expect(limit.take('x')).toBe(false);
  });

  it('forgets ended windows with one timer, in the order they end', async () => {
    const limit = new KeyRateLimit(1, 40);
    limit.take('first');
    await sleep(20);
    limit.take('second');
    const windows = (limit as unknown as { windows: Map<string, unknown> }).windows;
    await sleep(35); // first has ended and been swept, second not yet
    expect([...windows.keys()]).toEqual(['second']);
    await sleep(40);
    expect(windows.size).toBe(0);
  });
});
