import { describe, expect, it } from 'vitest';
import { FilterIndex } from '../../../bridge/hub/filter-index.js';
import { topicMatches } from '../../../protocol/topic-filter.js';

const FILTERS = ['#', '+', 'a', 'a/#', 'a/+', 'a/b', 'a/+/c', '+/b/#', 'devices/+/telemetry', 'devices/d1/#', '$SYS/#', '+/+', 'a/b/c/#'];
const TOPICS = ['a', 'a/b', 'a/b/c', 'a/x/c', 'b', 'x/b', 'x/b/y/z', 'devices/d1/telemetry', 'devices/d2/telemetry', 'devices/d1/telemetry/t', '$SYS/broker', '$SYS', 'a//c', '/a'];

function matched(index: FilterIndex<string>, topic: string): string[] {
  const out: string[] = [];
  index.match(topic, (f) => out.push(f));
  return out.sort();
}

describe('FilterIndex', () => {
  const index = new FilterIndex<string>();
  for (const f of FILTERS) index.add(f, f);

  it.each(TOPICS)('matches %s exactly as topicMatches does', (topic) => {
    expect(matched(index, topic)).toEqual(FILTERS.filter((f) => topicMatches(f, topic)).sort());
  });

  it('forgets removed items and prunes without disturbing the others', () => {
    const idx = new FilterIndex<number>();
    idx.add('a/+/c', 1);
    idx.add('a/+/c', 2);
    idx.add('a/b', 3);
    idx.remove('a/+/c', 1);
    idx.remove('x/y', 1); // never added: a no-op
    const seen: number[] = [];
    idx.match('a/b/c', (n) => seen.push(n));
    idx.match('a/b', (n) => seen.push(n));
    expect(seen).toEqual([2, 3]);
    idx.remove('a/+/c', 2);
    idx.remove('a/b', 3);
    idx.match('a/b/c', (n) => seen.push(n));
    expect(seen).toEqual([2, 3]);
    expect((idx as unknown as { root: { children: Map<string, unknown> } }).root.children.size).toBe(0);
  });
});
