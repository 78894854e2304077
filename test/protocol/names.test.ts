import { describe, expect, it } from 'vitest';
import { deviceOfTopic, isDeviceId, isMetricName, parseDeviceTopic, topics } from '../../protocol/names.js';

describe('names', () => {
  it.each(['d1', 'A', 'edge-7_b', 'x'.repeat(64)])('device id %j is valid', (id) => expect(isDeviceId(id)).toBe(true));
  it.each(['', '-d', '_d', 'a/b', 'a+b', 'é', 'x'.repeat(65), '<img src=x>'])('device id %j is invalid', (id) => expect(isDeviceId(id)).toBe(false));
  it.each(['temperature', 'v', 'rail_5v'])('metric %j is valid', (m) => expect(isMetricName(m)).toBe(true));
  it.each(['', 'Temp', '5v', 'a-b', 'x'.repeat(33)])('metric %j is invalid', (m) => expect(isMetricName(m)).toBe(false));
});

describe('parseDeviceTopic', () => {
  it.each([
    [topics.status('d1'), { device: 'd1', channel: 'status' }],
    [topics.telemetry('d1'), { device: 'd1', channel: 'telemetry' }],
    [topics.metric('d1', 'temperature'), { device: 'd1', channel: 'metric', metric: 'temperature' }],
    [topics.events('d1'), { device: 'd1', channel: 'events' }],
    [topics.led('d1'), { device: 'd1', channel: 'led' }],
    [topics.command('d1', 'led'), { device: 'd1', channel: 'command', command: 'led' }],
    [topics.ack('d1'), { device: 'd1', channel: 'ack' }],
    ['devices/bad id/status', { device: 'bad id', channel: 'status' }],
  ])('%s', (topic, want) => expect(parseDeviceTopic(topic)).toEqual(want));

  it.each(['lab/tick', 'devices', 'devices/d1', 'devices/d1/other', 'devices/d1/status/x', 'devices/d1/cmd/a/b'])('%s is not a contract topic', (topic) =>
    expect(parseDeviceTopic(topic)).toBeNull(),
  );

  it('deviceOfTopic', () => {
    expect(deviceOfTopic('devices/d1/anything/here')).toBe('d1');
    expect(deviceOfTopic('devices/d1')).toBeNull();
    expect(deviceOfTopic('lab/tick')).toBeNull();
  });
});
