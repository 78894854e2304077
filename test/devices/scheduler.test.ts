import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../devices/scheduler.js';
import { eventually, track } from './support.js';

describe('shared scheduler', () => {
  it('runs one-shot tasks in due order and periodic ones until cancelled', async () => {
    const errors: unknown[] = [];
    const s = track(createScheduler({ onError: (e) => errors.push(e) }));
    const order: string[] = [];
    s.after(30, () => order.push('c'));
    s.after(10, () => order.push('a'));
    s.after(10, () => order.push('b'));
    const dropped = s.after(5, () => order.push('never'));
    dropped.cancel();
    let ticks = 0;
    const every = s.every(5, 0, () => {
      ticks++;
      if (ticks === 2) throw new Error('boom');
    });
    await eventually('all one-shots and 5 ticks', () => order.length === 3 && ticks >= 5);
    every.cancel();
    const at = ticks;
    await new Promise<void>((resolve) => s.after(40, resolve));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(ticks).toBe(at);
    expect(errors).toHaveLength(1);
    expect(s.lag().ran).toBeGreaterThan(0);
  });

  it('runs many tasks in due order, ties in the order they were scheduled, periodic ones among them', async () => {
    const s = track(createScheduler({ onError: () => {} }));
    const ran: number[] = [];
    // Delays 20 ms apart: the clock may tick, or a busy machine stall the test, while they are
    // scheduled without reordering them (3 ms apart failed on a loaded CI machine).
    const delays = Array.from({ length: 300 }, (_, i) => ((i * 37) % 20) * 20);
    delays.forEach((delay, i) => s.after(delay, () => ran.push(i)));
    // Periodic tasks sift through the same heap between the one-shots.
    const every = Array.from({ length: 20 }, (_, i) => s.every(7 + i, i, () => {}));
    await eventually('every one-shot ran', () => ran.length === delays.length);
    for (const task of every) task.cancel();
    const expected = delays.map((delay, i) => ({ delay, i })).sort((a, b) => a.delay - b.delay || a.i - b.i).map((t) => t.i);
    expect(ran).toEqual(expected);
  });

  it('keeps periodic tasks of one period in the order of their first runs, round after round', async () => {
    const s = track(createScheduler({ onError: () => {} }));
    const ran: number[] = [];
    // First runs 3 ms apart within one 200 ms period: the clock may tick while they are scheduled.
    const tasks = Array.from({ length: 50 }, (_, i) => s.every(200, i * 3, () => ran.push(i)));
    await eventually('three rounds', () => ran.length >= 150, 10_000);
    for (const task of tasks) task.cancel();
    const round = tasks.map((_, i) => i);
    expect(ran.slice(0, 150)).toEqual([...round, ...round, ...round]);
  });

  it('runs nothing after close and refuses a non-positive period', async () => {
    const s = createScheduler({ onError: () => {} });
    let ran = false;
    s.after(1, () => (ran = true));
    s.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toBe(false);
    expect(() => s.every(0, 0, () => {})).toThrow(/period must be positive/);
  });
});
