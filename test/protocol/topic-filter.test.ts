import { describe, expect, it } from 'vitest';
import { isValidFilter, matchesAny, topicMatches } from '../../protocol/topic-filter.js';

describe('topicMatches', () => {
  it.each([
    ['devices/+/telemetry', 'devices/d1/telemetry', true],
    ['devices/+/telemetry', 'devices/d1/telemetry/temperature', false],
    ['devices/#', 'devices/d1/telemetry/temperature', true],
    ['devices/#', 'devices', true], // '#' also matches the parent [MQTT-4.7.1-2]
    ['devices/d1/#', 'devices/d2/status', false],
    ['+/+', 'a/b', true],
    ['+/+', 'a/b/c', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/bc', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false], // [MQTT-4.7.2-1]
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['a/+/c', 'a//c', true],
  ])('%s ~ %s → %s', (filter, topic, want) => expect(topicMatches(filter, topic)).toBe(want));

  it('matchesAny takes several filters', () => {
    expect(matchesAny(['x/#', 'devices/+/led'], 'devices/d1/led')).toBe(true);
    expect(matchesAny(['x/#', 'devices/+/led'], 'devices/d1/status')).toBe(false);
    expect(matchesAny([], 'devices/d1/status')).toBe(false);
  });
});

describe('isValidFilter', () => {
  it.each(['#', 'a/#', '+', 'a/+/c', 'devices/d1/telemetry', '+/+/#'])('%s is valid', (f) => expect(isValidFilter(f)).toBe(true));
  it.each(['', 'a/#/b', 'a#', 'a/b+', '#/a', 'a\u0000b', 'x'.repeat(300)])('%j is invalid', (f) => expect(isValidFilter(f)).toBe(false));
});
