/** Topic matching of the stored-subscription index, table-driven ([MQTT-4.7]). */
import { describe, expect, it } from 'vitest';
import { type IndexedSubscription, SubscriptionIndex } from '../../../broker/persistence/subscription-index.js';

const sub = (clientId: string, topic: string, qos = 1): IndexedSubscription => ({ clientId, topic, qos, rh: 0, rap: false, nl: false });

describe('SubscriptionIndex.match', () => {
  it.each([
    ['sport/tennis/player1', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/#', 'sport', true], // '#' also matches the parent [MQTT-4.7.1-2]
    ['sport/#', 'sport/tennis/player1', true],
    ['#', 'anything/at/all', true],
    ['+/+', '/finance', true], // '+' matches an empty level
    ['+', '/finance', false],
    ['sport/+', 'sport', false],
    ['sport/tennis', 'sport/tennis/player1', false],
    ['#', '$SYS/broker/uptime', false], // [MQTT-4.7.2-1]
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['a/+/c/#', 'a/b/c', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    const index = new SubscriptionIndex();
    index.add(sub('c', filter));
    expect(index.match(topic).length === 1).toBe(expected);
  });

  it('returns # matches first, replaces per client, and forgets removed filters', () => {
    const index = new SubscriptionIndex();
    index.add(sub('a', 'hello'));
    index.add(sub('a', 'hello/#'));
    index.add(sub('b', 'hello', 2));
    index.add(sub('b', 'hello', 1));
    expect(index.size).toBe(3);
    expect(index.match('hello').map((s) => [s.clientId, s.topic, s.qos])).toEqual([
      ['a', 'hello/#', 1],
      ['a', 'hello', 1],
      ['b', 'hello', 1],
    ]);
    index.remove('a', 'hello/#');
    index.remove('b', 'hello');
    index.remove('nobody', 'hello');
    expect(index.size).toBe(1);
    expect(index.match('hello').map((s) => s.clientId)).toEqual(['a']);
    index.remove('a', 'hello');
    expect(index.match('hello')).toEqual([]);
  });
});
