import { describe, expect, it } from 'vitest';
import { Outbox } from '../../devices/outbox.js';

const msg = (n: number) => ({ topic: 't', payload: String(n), retain: false });

describe('device outbox', () => {
  it('keeps at most `limit` messages, dropping the oldest queued ones', () => {
    const dropped: number[] = [];
    const tally = { buffered: 0 };
    const box = new Outbox(3, (n) => dropped.push(n), tally);
    for (let i = 1; i <= 5; i++) box.push(msg(i));
    expect(dropped).toEqual([1, 1]);
    expect(tally.buffered).toBe(3);
    expect([box.take(), box.take(), box.take(), box.take()].map((t) => t?.payload)).toEqual(['3', '4', '5', undefined]);
    expect(tally.buffered).toBe(3);
    box.clear();
    expect(tally.buffered).toBe(0);
  });

  it('puts unacked messages back in front, in order, when the connection goes', () => {
    const tally = { buffered: 0 };
    const box = new Outbox(10, () => {}, tally);
    for (let i = 1; i <= 4; i++) box.push(msg(i));
    const a = box.take();
    const b = box.take();
    box.take();
    if (b) box.settle(b);
    box.push(msg(5));
    box.requeueInflight();
    expect(box.inFlight).toBe(0);
    const order: string[] = [];
    for (let t = box.take(); t; t = box.take()) order.push(t.payload);
    expect(order).toEqual([a?.payload, '3', '4', '5']);
    expect(tally.buffered).toBe(4);
  });
});
