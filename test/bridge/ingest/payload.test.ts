import { describe, expect, it } from 'vitest';
import { parseDeviceTopic } from '../../../protocol/names.js';
import { decodePayload } from '../../../bridge/ingest/payload.js';

const LIMIT = 1024;
const decode = (topic: string, payload: string | Buffer) => decodePayload(parseDeviceTopic(topic), typeof payload === 'string' ? Buffer.from(payload) : payload, LIMIT);

describe('decodePayload accepts what the contract allows', () => {
  it.each([
    ['devices/d1/status', '{"online":true,"model":"thermo-1","fw":"1.2.0"}', 'status', { online: true, model: 'thermo-1', fw: '1.2.0' }],
    ['devices/d1/status', '{"online":false}', 'status', { online: false }],
    ['devices/d1/telemetry', '{"temperature":21.5,"voltage":229.8}', 'telemetry', { temperature: 21.5, voltage: 229.8 }],
    ['devices/d1/telemetry', '{"temperature":-3,"ts":1732200000000}', 'telemetry', { temperature: -3, ts: 1732200000000 }],
    ['devices/d1/telemetry/temperature', '21.5', 'telemetry', 21.5],
    ['devices/d1/telemetry/temperature', ' -1e3 \n', 'telemetry', -1000],
    ['devices/d1/telemetry/temperature', '.5', 'telemetry', 0.5],
    ['devices/d1/events', '{"type":"hotplug","port":2,"action":"attached","peripheral":"usb-storage"}', 'event', { type: 'hotplug', port: 2, action: 'attached', peripheral: 'usb-storage' }],
    ['devices/d1/events', '{"type":"progress","job":"fw-1","percent":40}', 'event', { type: 'progress', job: 'fw-1', percent: 40 }],
    ['devices/d1/events', '{"type":"door","open":true}', 'event', { type: 'door', open: true }],
    ['devices/d1/led', '{"state":"blink","color":"#ff8800"}', 'led', { state: 'blink', color: '#ff8800' }],
    ['devices/d1/ack', '{"id":"c1","ok":true,"result":{"state":"on"}}', 'ack', { id: 'c1', ok: true, result: { state: 'on' } }],
    ['devices/d1/ack', '{"id":"c1","ok":false,"error":"busy"}', 'ack', { id: 'c1', ok: false, error: 'busy' }],
    ['devices/d1/cmd/led', '{"id":"c1","args":{}}', 'message', { id: 'c1', args: {} }],
    ['devices/d1/unknown', 'anything', 'message', 'anything'],
    ['lab/tick', '{"n":1}', 'message', { n: 1 }],
    ['lab/tick', 'plain text', 'message', 'plain text'],
  ])('%s %s → %s', (topic, payload, kind, data) => {
    expect(decode(topic, payload)).toEqual({ ok: true, value: { kind, data } });
  });

  it('carries binary on other topics as base64', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x01]);
    expect(decode('raw/bytes', bytes)).toEqual({ ok: true, value: { kind: 'message', data: { base64: bytes.toString('base64') } } });
    expect(decode('lab/x', '"x"')).toEqual({ ok: true, value: { kind: 'message', data: 'x' } });
  });
});

describe('decodePayload refuses what breaks the contract, with a code and a reason', () => {
  it.each([
    ['devices/d1/telemetry', 'not json', 'bad_json'],
    ['devices/d1/telemetry', Buffer.from([0xff, 0xfe]), 'bad_json'],
    ['devices/d1/telemetry', '[1,2]', 'bad_payload'],
    ['devices/d1/telemetry', '{}', 'bad_payload'],
    ['devices/d1/telemetry', '{"temperature":"hot"}', 'bad_payload'],
    ['devices/d1/telemetry', '{"temperature":null}', 'bad_payload'],
    ['devices/d1/telemetry', '{"temperature":21,"ts":"now"}', 'bad_payload'],
    ['devices/d1/telemetry', '{"Temperature":21}', 'bad_metric'],
    ['devices/d1/telemetry', '{"temp-c":21}', 'bad_metric'],
    ['devices/d1/telemetry/temperature', 'hot', 'bad_payload'],
    ['devices/d1/telemetry/temperature', '', 'bad_payload'],
    ['devices/d1/telemetry/temperature', '0x10', 'bad_payload'],
    ['devices/d1/telemetry/temperature', 'Infinity', 'bad_payload'],
    ['devices/d1/telemetry/temperature', '1e999', 'bad_payload'],
    ['devices/d1/telemetry/Bad-Name', '21', 'bad_metric'],
    ['devices/d1/status', '{"online":"yes"}', 'bad_payload'],
    ['devices/d1/status', '{"online":true,"model":42}', 'bad_payload'],
    ['devices/d1/events', '{"port":2}', 'bad_payload'],
    ['devices/d1/events', '{"type":"hotplug","port":300,"action":"attached","peripheral":"x"}', 'bad_payload'],
    ['devices/d1/events', '{"type":"hotplug","port":1,"action":"plugged","peripheral":"x"}', 'bad_payload'],
    ['devices/d1/events', '{"type":"progress","job":"j","percent":140}', 'bad_payload'],
    ['devices/d1/led', '{"state":"dim"}', 'bad_payload'],
    ['devices/d1/led', '{"state":"on","color":"red"}', 'bad_payload'],
    ['devices/d1/ack', '{"ok":true}', 'bad_payload'],
    ['devices/d1/ack', '{"id":"c1","ok":false}', 'bad_payload'],
    ['devices/d1/ack', '{"id":"c1"}', 'bad_payload'],
  ])('%s %s → %s', (topic, payload, code) => {
    const result = decode(topic, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe(code);
      expect(result.error.length).toBeGreaterThan(10);
    }
  });

  it('refuses a payload over the limit on every topic', () => {
    const big = Buffer.alloc(LIMIT + 1, 0x31);
    for (const topic of ['devices/d1/telemetry/temperature', 'devices/d1/status', 'lab/tick']) {
      expect(decode(topic, big)).toMatchObject({ ok: false, code: 'too_large' });
    }
  });

  it('refuses JSON nested too deep or too wide on every topic, before parsing it', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const wide = `[${'0,'.repeat(4096)}0]`;
    for (const topic of ['devices/d1/telemetry', 'devices/d1/events', 'devices/d1/cmd/x', 'lab/tick']) {
      expect(decodePayload(parseDeviceTopic(topic), Buffer.from(deep), 1e6), topic).toMatchObject({ ok: false, code: 'too_complex' });
      expect(decodePayload(parseDeviceTopic(topic), Buffer.from(`{"a":${wide}}`), 1e6), topic).toMatchObject({ ok: false, code: 'too_complex' });
    }
    const deepest = `{"type":"x","v":${'['.repeat(31)}${']'.repeat(31)}}`;
    expect(decode('devices/d1/events', deepest)).toMatchObject({ ok: true, value: { kind: 'event' } });
  });

  it('refuses telemetry with more metrics than it may carry', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, i]));
    expect(decodePayload(parseDeviceTopic('devices/d1/telemetry'), Buffer.from(JSON.stringify(many)), 1e6)).toMatchObject({ ok: false, code: 'too_large' });
  });
});
