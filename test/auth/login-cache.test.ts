/** The cache of verified logins: only the verified password matches, and the least recently used goes first. */
import { describe, expect, it } from 'vitest';
import { createLoginCache } from '../../auth/login-cache.js';

describe('login cache', () => {
  it('answers only for the password that was verified', () => {
    const cache = createLoginCache<string>();
    cache.set('d1', 'pw', 'user d1');
    expect(cache.get('d1', 'pw')).toBe('user d1');
    expect(cache.get('d1', 'pw ')).toBeUndefined();
    expect(cache.get('d1', '')).toBeUndefined();
    expect(cache.get('d2', 'pw')).toBeUndefined();
    cache.set('d1', 'other', 'again');
    expect(cache.get('d1', 'pw')).toBeUndefined();
    cache.clear();
    expect(cache.get('d1', 'other')).toBeUndefined();
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = createLoginCache<number>(2);
    cache.set('a', 'pa', 1);
    cache.set('b', 'pb', 2);
    expect(cache.get('a', 'pa')).toBe(1); // a is now the most recent
    cache.set('c', 'pc', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'pb')).toBeUndefined();
    expect(cache.get('a', 'pa')).toBe(1);
    expect(cache.get('c', 'pc')).toBe(3);
  });
});
