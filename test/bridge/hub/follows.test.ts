import { describe, expect, it } from 'vitest';
import { Follows } from '../../../bridge/hub/follows.js';

describe('Follows', () => {
  it('merges filters per key and forgets them when they expire', () => {
    const f = new Follows(10);
    f.add('k1', ['devices/d1/ack'], 100);
    f.add('k1', ['devices/d1/cmd/led', 'devices/d1/ack'], 200);
    expect(f.filtersOf('k1').sort()).toEqual(['devices/d1/ack', 'devices/d1/cmd/led']);
    expect(f.expire(150)).toEqual([]);
    expect(f.expire(200)).toEqual(['k1']);
    expect(f.filtersOf('k1')).toEqual([]);
  });

  it('drops the key followed longest ago past its bound, and reports it', () => {
    const f = new Follows(2);
    expect(f.add('a', ['x'], 1e15)).toEqual([]);
    expect(f.add('b', ['x'], 1e15)).toEqual([]);
    expect(f.add('a', ['y'], 1e15)).toEqual([]); // refreshes a: b is now the oldest
    expect(f.add('c', ['x'], 1e15)).toEqual(['b']);
    expect(f.filtersOf('b')).toEqual([]);
    expect(f.filtersOf('a').sort()).toEqual(['x', 'y']);
  });

  it('keeps at most 64 filters per key, the newest', () => {
    const f = new Follows(5);
    f.add('k', Array.from({ length: 70 }, (_, i) => `t/${i}`), 1e15);
    const kept = f.filtersOf('k');
    expect(kept).toHaveLength(64);
    expect(kept).toContain('t/69');
    expect(kept).not.toContain('t/0');
  });
});
