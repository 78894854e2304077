import { describe, expect, it } from 'vitest';
import type { HubMessage, Json } from '../../../protocol/message.js';
import { isHubMessage, listOf, parseJson, pollMessages, toDeviceView } from '../../../web/src/net/message-guard.js';
import { readingsOf } from '../../../protocol/readings.js';

const good = { seq: 1, ts: 2, topic: 'devices/d1/telemetry', device: 'd1', kind: 'telemetry', data: { t: 1 } };

describe('message checks', () => {
  it.each([
    [good, true],
    [{ ...good, device: null }, true],
    [{ ...good, seq: '1' }, false],
    [{ ...good, ts: Number.NaN }, false],
    [{ ...good, kind: 'nonsense' }, false],
    [{ seq: 1, ts: 2, topic: 't', device: null, kind: 'message' }, false],
    [null, false],
    [[good], false],
  ])('isHubMessage(%o) is %s', (x, expected) => {
    expect(isHubMessage(x)).toBe(expected);
  });

  it('reads poll bodies, keeping only well-formed messages', () => {
    expect(pollMessages({ messages: [good, { bad: true }], next: 7, reset: true })).toEqual({ messages: [good], next: 7, reset: true });
    expect(pollMessages('nope')).toEqual({ messages: [], next: null, reset: false });
    expect(parseJson('{')).toBe(undefined);
  });

  it('checks every field of a registry entry', () => {
    expect(toDeviceView({ id: 'd1', online: 'yes', metrics: { t: { value: 1, ts: 2 }, bad: { value: 'x', ts: 1 } }, led: { state: 'on', color: 5 }, ports: { '1': 'cam', '2': 3 }, units: { t: '°C', v: 7 }, problems: ['p', 3] })).toEqual({
      id: 'd1',
      firstSeen: 0,
      lastSeen: 0,
      online: false,
      model: null,
      fw: null,
      metrics: { t: { value: 1, ts: 2 } },
      led: { state: 'on' },
      ports: { '1': 'cam' },
      source: 'native',
      units: { t: '°C' },
      problems: ['p'],
    });
    expect(toDeviceView({ id: 'd2', source: 'tasmota' })?.source).toBe('tasmota');
    expect(toDeviceView({ id: 5 })).toBe(null);
    expect(listOf({ devices: [1] }, 'devices')).toEqual([1]);
    expect(listOf([2], 'devices')).toEqual([2]);
    expect(listOf({ other: [] }, 'devices')).toEqual([]);
  });
});

describe('readingsOf', () => {
  const msg = (topic: string, data: Json): HubMessage => ({ seq: 1, ts: 2, topic, device: 'd1', kind: 'telemetry', data });
  it('reads both telemetry topics and nothing else', () => {
    expect(readingsOf(msg('devices/d1/telemetry', { temperature: 21.5, ts: 99, Bad: 1, s: 'x' }))).toEqual([{ metric: 'temperature', value: 21.5 }]);
    expect(readingsOf(msg('devices/d1/telemetry/voltage', 230))).toEqual([{ metric: 'voltage', value: 230 }]);
    // Ingest never makes an object on a metric topic (docs/CONTRACT.md: one number as text).
    expect(readingsOf(msg('devices/d1/telemetry/voltage', { voltage: 231 }))).toEqual([]);
    expect(readingsOf(msg('devices/d1/telemetry/voltage', 'high'))).toEqual([]);
    expect(readingsOf({ ...msg('devices/d1/status', { temperature: 1 }), kind: 'status' })).toEqual([]);
  });
});
