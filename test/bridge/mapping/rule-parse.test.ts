/** Rule sets, presets and the pure parts of mapping (topic patterns, JSON paths, one rule on one payload), table-driven. */
import { describe, expect, it } from 'vitest';
import { parseJsonPath, valueAt } from '../../../bridge/mapping/json-path.js';
import { createMapper } from '../../../bridge/mapping/mapper.js';
import { PRESETS } from '../../../bridge/mapping/presets/index.js';
import { applyRule, noMeanings } from '../../../bridge/mapping/rule-apply.js';
import { parseRuleSet } from '../../../bridge/mapping/rule-parse.js';
import { matchTopic, parseTopicPattern } from '../../../bridge/mapping/topic-pattern.js';
import type { Json } from '../../../protocol/message.js';

const set = (rule: object): unknown => ({ rules: [{ name: 'r', topic: 'tele/{id}/SENSOR', ...rule }] });

describe('rule sets', () => {
  it.each(Object.keys(PRESETS))('preset %s parses', (name) => {
    const parsed = parseRuleSet(PRESETS[name], name, name);
    expect(parsed.ok, parsed.ok ? '' : parsed.error).toBe(true);
  });

  it.each([
    [{ rules: 'x' }, 'f.yaml: a rule set is {"rules": [...]} (optionally with "source")'],
    [{ rules: [], extra: 1 }, 'f.yaml: unknown key "extra" (a rule set has source and rules)'],
    [set({ readings: { Voltage: 'ENERGY.Voltage' } }), 'f.yaml: rule "r": readings: metric "Voltage" must match ^[a-z][a-z0-9_]{0,31}$'],
    [set({ readings: { voltage: 'ENERGY..Voltage' } }), 'f.yaml: rule "r": readings.voltage: "ENERGY..Voltage": ".Voltage" is not a key (letters, digits, _, -; quote others as [\'key\'])'],
    [set({ topic: 'tele/+/SENSOR', readings: { v: 'a' } }), 'f.yaml: rule "r": topic: "tele/+/SENSOR": needs {id} exactly once, the level that names the device'],
    [set({ topic: 'devices/{id}/x', readings: { v: 'a' } }), 'f.yaml: rule "r": topic: "devices/{id}/x": the first level must be {id} or a fixed word other than "devices"'],
    [set({ topic: 'a/#/{id}', readings: { v: 'a' } }), 'f.yaml: rule "r": topic: "a/#/{id}": "#" must be the last level [MQTT-4.7.1-2]'],
    [set({ readings: { '{metric}': '$' } }), 'f.yaml: rule "r": readings names {metric} but the topic has no {metric} level'],
    [set({}), 'f.yaml: rule "r": the rule maps nothing: give readings, status, info, event or led'],
    [set({ status: { online: 'Online' } }), 'f.yaml: rule "r": status.offline must be a value or a list of 1 to 8 values (text, number, true/false)'],
    [set({ led: { on: 'ON', off: 'OFF', colour: 1 } }), 'f.yaml: rule "r": led has unknown key "colour" (it takes path, on, off)'],
    [set({ readngs: {} }), 'f.yaml: rule "r": the rule has unknown key "readngs" (it takes name, topic, when, readings, units, status, info, event, led)'],
    [{ rules: [{ topic: 'a/{id}', led: { on: 1, off: 0 } }] }, 'f.yaml: rule #1: name must be text of 1 to 64 characters'],
    [{ rules: [{ name: 'a', topic: 'a/{id}', led: { on: 1, off: 0 } }, { name: 'a', topic: 'b/{id}', led: { on: 1, off: 0 } }] }, 'f.yaml: rule "a": another rule has this name'],
  ])('refuses %j with one line', (raw, error) => {
    const parsed = parseRuleSet(raw, 'f.yaml', 'f');
    expect(parsed.ok ? 'accepted' : parsed.error).toBe(error);
  });
});

describe('topic patterns', () => {
  it.each([
    ['tele/{id}/SENSOR', 'tele/plug1/SENSOR', { id: 'plug1' }],
    ['tele/{id}/SENSOR', 'tele/plug1/STATE', null],
    ['tele/{id}/SENSOR', 'tele/plug1/SENSOR/x', null],
    ['{id}/sensor/{metric}/state', 'node/sensor/soil/state', { id: 'node', metric: 'soil' }],
    ['{id}/light/+/state', 'node/light/porch/state', { id: 'node' }],
    ['z/{id}/#', 'z/a', { id: 'a' }],
    ['z/{id}/#', 'z/a/b/c', { id: 'a' }],
  ])('%s against %s', (pattern, topic, want) => {
    const parsed = parseTopicPattern(pattern);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(matchTopic(parsed, topic)).toEqual(want);
  });
});

describe('JSON paths', () => {
  const data: Json = { ENERGY: { Voltage: 230 }, AM2301: { Temperature: 21 }, 'switch:0': { output: true }, list: [{ a: 1 }], __proto__x: 1 };
  it.each([
    ['ENERGY.Voltage', 230],
    ['*.Temperature', 21],
    ["['switch:0'].output", true],
    ['list[0].a', 1],
    ['$', data],
    ['ENERGY.Missing', undefined],
    ['constructor', undefined],
    ['ENERGY.constructor.name', undefined],
  ])('%s', (path, want) => {
    const parsed = parseJsonPath(path);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(valueAt(data, parsed)).toEqual(want);
  });
});

describe('one rule on one payload', () => {
  const rule = (raw: object) => {
    const parsed = parseRuleSet(set(raw), 't', 't');
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value[0] as NonNullable<(typeof parsed.value)[0]>;
  };
  it.each([
    [{ readings: { v: 'a' } }, { a: '12.5' }, { ok: true }, { v: 12.5 }],
    [{ readings: { v: 'a' } }, { a: 'ON' }, { ok: true }, { v: 1 }],
    [{ readings: { v: 'a' } }, { a: [1] }, { ok: false, reason: 'a is [1], not a number' }, {}],
    [{ readings: { v: 'a' } }, 'text', { ok: false, reason: 'the payload has none of the values rule t/r maps' }, {}],
    [{ readings: 'numbers' }, { t: 1, Bad: 2, on: true, s: 'x' }, { ok: true }, { t: 1, on: 1 }],
    [{ readings: 'numbers' }, 7, { ok: false, reason: 'the payload is not a JSON object' }, {}],
    [{ status: { online: 'Online', offline: 'Offline' } }, 'Gone', { ok: false, reason: 'status $ is "Gone"; the rule knows "Online", "Offline"' }, {}],
    [{ when: { path: 'm', is: 'x' }, readings: { v: 'a' } }, { m: 'y' }, { ok: true, skipped: true }, {}],
  ])('%j on %j', (raw, payload, outcome, readings) => {
    const into = noMeanings();
    expect(applyRule(rule(raw), { id: 'd' }, payload as Json, into)).toEqual(outcome);
    expect(into.readings).toEqual(readings);
  });
});

describe('hostile payloads on mapped topics', () => {
  const rules = Object.entries(PRESETS).flatMap(([name, preset]) => {
    const parsed = parseRuleSet(preset, name, name);
    return parsed.ok ? parsed.value : [];
  });
  const mapper = createMapper(rules);
  const deep = JSON.parse('['.repeat(30) + ']'.repeat(30)) as Json;
  const payloads: Json[] = [null, true, 0, -1e308, '', 'x'.repeat(10_000), [], {}, deep, { __proto__: { Voltage: 1 } } as unknown as Json, JSON.parse('{"__proto__":{"POWER":"ON"},"constructor":{"prototype":1}}') as Json, { ENERGY: null }, { ENERGY: [1, 2] }, { state: { nested: true } }, { action: { a: 1 } }, { params: { events: 'x' }, method: 'NotifyEvent' }];
  const topics = ['tele/t1/SENSOR', 'tele/t1/STATE', 'tele/t1/LWT', 'tele/t1/INFO1', 'stat/t1/POWER', 's1/online', 's1/status/switch:0', 's1/events/rpc', 'zigbee2mqtt/z1', 'zigbee2mqtt/z1/availability', 'n1/status', 'n1/sensor/x/state', 'n1/light/l/state'];
  it('never throw: each becomes contract entries or rejects', () => {
    for (const topic of topics) {
      for (const data of payloads) {
        const entries = mapper.map(topic, data, Buffer.from('preview'));
        for (const e of entries) expect(['status', 'telemetry', 'led', 'event', 'reject']).toContain(e.kind);
      }
    }
    expect(Object.prototype).not.toHaveProperty('POWER');
  });
});

describe('the mapper', () => {
  it('takes nothing from a rule that fails half-way, and keeps what other rules read', () => {
    const parsed = parseRuleSet({ rules: [{ name: 'a', topic: 'm/{id}', readings: { v: 'a', w: 'b' } }, { name: 'b', topic: 'm/{id}', led: { path: 'relay', on: 'ON', off: 'OFF' } }] }, 't', 'mine');
    if (!parsed.ok) throw new Error(parsed.error);
    const entries = createMapper(parsed.value).map('m/d1', { a: 1, b: 'x', relay: 'ON' }, Buffer.from('{}'));
    expect(entries.map((e) => [e.kind, e.topic])).toEqual([
      ['status', 'devices/d1/status'],
      ['led', 'devices/d1/led'],
      ['reject', 'm/d1'],
    ]);
    expect(entries[0]?.data).toEqual({ online: true, source: 'mine', units: {}, problems: ['mapping rule mine/a: b is "x", not a number'] });
  });
});
