/**
 * Alert rules on a real hub, fed by real MQTT traffic with no browser open: each kind of
 * condition fires and resolves, targets pick the right devices, alerts are messages (stored,
 * on every transport), listed and acknowledged, webhooks reach a real local HTTP server
 * signed, and a hanging webhook does not hold up ingest. Alerts survive a restart.
 */
import { createHmac } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER } from '../../../protocol/alerts.js';
import type { HubMessage } from '../../../protocol/message.js';
import { type TestHub, startHub, stopAll, waitFor } from '../../support/hub.js';
import { AlertApi, type WebhookReceiver, startReceiver } from './support.js';

let hub: TestHub;
let device: MqttClient;
let receiver: WebhookReceiver;
const api = new AlertApi(() => hub.httpUrl);

const publish = (topic: string, payload: string) => device.publishAsync(topic, payload, { qos: 1 });
const reading = (id: string, metric: string, value: number) => publish(`devices/${id}/telemetry`, JSON.stringify({ [metric]: value }));
const states = async (rule: string) => (await api.messages(rule)).map((m) => [m.device, m.data.state, m.data.value]);

beforeAll(async () => {
  hub = await startHub();
  receiver = await startReceiver();
  device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'alert-test-devices' });
  for (const [id, model] of [['t1', 'thermo-x'], ['t2', 'thermo-x'], ['t3', 'other']] as const) {
    await publish(`devices/${id}/status`, JSON.stringify({ online: true, model }));
    await reading(id, 'temperature', 20);
  }
});
afterAll(async () => {
  await device?.endAsync(true);
  await receiver?.close();
  await stopAll();
});

describe('alert rules', () => {
  it('fires above a threshold, holds within the hysteresis, resolves below it; webhooks signed', async () => {
    const rule = await api.rule({ name: 'hot', device: 't1', metric: 'temperature', above: 30, hysteresis: 2, severity: 'critical', webhook: receiver.url });
    await reading('t1', 'temperature', 29);
    await reading('t1', 'temperature', 31.5);
    await waitFor(async () => (await api.alerts('state=firing&device=t1')).some((a) => a.rule === rule.id), 10_000, 'firing');
    const [alert] = await api.alerts('state=firing&device=t1');
    expect(alert).toMatchObject({ rule: rule.id, name: 'hot', device: 't1', state: 'firing', value: 31.5, severity: 'critical', ack: null });
    await reading('t1', 'temperature', 29); // within the hysteresis: still firing
    await reading('t1', 'temperature', 27.5);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'resolved');
    expect(await states(rule.id)).toEqual([
      ['t1', 'firing', 31.5],
      ['t1', 'resolved', 27.5],
    ]);
    expect((await api.alerts(`device=t1`)).find((a) => a.id === alert?.id)).toMatchObject({ state: 'resolved', resolved: expect.any(Number) });

    await waitFor(() => receiver.received.length >= 2, 10_000, 'two webhooks');
    const stored = await api.messages(rule.id);
    for (const [i, hook] of receiver.received.slice(0, 2).entries()) {
      expect(hook.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', rule.secret).update(hook.body).digest('hex')}`);
      expect(JSON.parse(hook.body)).toEqual(stored[i]);
    }
    expect((JSON.parse((receiver.received[0] as { body: string }).body) as HubMessage).kind).toBe('alert');
  });

  it('waits for "for" before firing, from the clock when no reading comes', async () => {
    const rule = await api.rule({ name: 'cold', device: 't2', metric: 'temperature', below: 10, for: '1s' });
    await reading('t2', 'temperature', 5);
    const sent = Date.now();
    const fired = await waitFor(async () => (await api.messages(rule.id)).find((m) => m.data.state === 'firing'), 10_000, 'firing after 1 s');
    expect(fired?.data.since).toBeGreaterThanOrEqual(sent + 1_000 - 50);
    expect(fired?.data.value).toBe(5);
  });

  it('targets a model, and only devices of that model', async () => {
    const rule = await api.rule({ name: 'warm thermo-x', model: 'thermo-x', metric: 'temperature', above: 50 });
    await reading('t3', 'temperature', 60);
    await reading('t1', 'temperature', 60);
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 't1 firing');
    await reading('t1', 'temperature', 20);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 't1 resolved');
    expect((await states(rule.id)).map(([d]) => d)).toEqual(['t1', 't1']);
  });

  it('targets a list of devices', async () => {
    const rule = await api.rule({ name: 'list', devices: ['t2', 't3'], metric: 'temperature', above: 70 });
    for (const id of ['t1', 't2', 't3']) await reading(id, 'temperature', 80);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'two firing');
    expect((await states(rule.id)).map(([d]) => d).sort()).toEqual(['t2', 't3']);
  });

  it('fires when a device is silent, resolves when it speaks', async () => {
    await reading('s1', 'temperature', 1);
    const rule = await api.rule({ name: 'quiet', device: 's1', silent: '1s' });
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'silent');
    expect(((await api.messages(rule.id))[0]?.data.value as number) >= 1_000).toBe(true);
    await reading('s1', 'temperature', 2);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'spoke');
    expect((await states(rule.id))[1]?.[1]).toBe('resolved');
  });

  it('fires when a device stays offline, resolves when it is back', async () => {
    await publish('devices/o1/status', '{"online":true}');
    const rule = await api.rule({ name: 'gone', device: 'o1', offline: '1s' });
    await publish('devices/o1/status', '{"online":false}');
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'offline');
    await publish('devices/o1/status', '{"online":true}');
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'back');
    expect((await states(rule.id)).map(([, s]) => s)).toEqual(['firing', 'resolved']);
  });

  it('fires on a stuck sensor, resolves when the value moves', async () => {
    await reading('k1', 'voltage', 230);
    const rule = await api.rule({ name: 'stuck', device: 'k1', metric: 'voltage', stuck: 3 });
    await reading('k1', 'voltage', 230);
    await reading('k1', 'voltage', 230);
    expect(await states(rule.id)).toEqual([]);
    await reading('k1', 'voltage', 230);
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'stuck');
    await reading('k1', 'voltage', 231);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'moved');
    expect(await states(rule.id)).toEqual([
      ['k1', 'firing', 230],
      ['k1', 'resolved', 231],
    ]);
  });

  it('fires on a matching event only, and clears after "for" without another', async () => {
    const rule = await api.rule({ name: 'usb', event: { type: 'hotplug', peripheral: 'usb-storage' }, for: '1s' });
    await publish('devices/e1/events', JSON.stringify({ type: 'hotplug', port: 1, action: 'attached', peripheral: 'camera' }));
    await publish('devices/e1/events', JSON.stringify({ type: 'hotplug', port: 2, action: 'attached', peripheral: 'usb-storage' }));
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'fired and cleared');
    const [fired, cleared] = await api.messages(rule.id);
    expect(fired?.data).toMatchObject({ state: 'firing', device: 'e1', value: { peripheral: 'usb-storage', port: 2 } });
    expect(cleared?.data.state).toBe('resolved');
  });

  it('fires when a command fails', async () => {
    const rule = await api.rule({ name: 'cmd', device: 't1', command: { states: ['failed'] } });
    const res = await fetch(`${hub.httpUrl}/api/devices/t1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"reboot"}' });
    const { id } = (await res.json()) as { id: string };
    await publish('devices/t1/ack', JSON.stringify({ id, ok: false, error: 'busy' }));
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'command alert');
    expect((await api.messages(rule.id))[0]?.data.value).toMatchObject({ id, status: 'failed', error: 'busy' });
  });

  it('is acknowledged by a person; the acknowledgement is a message too', async () => {
    const rule = await api.rule({ name: 'ackme', device: 't3', metric: 'temperature', above: 90 });
    await reading('t3', 'temperature', 95);
    const alert = await waitFor(() => api.alerts(`state=firing&device=t3`).then((list) => list.find((a) => a.rule === rule.id)), 10_000, 'firing');
    const res = await fetch(`${hub.httpUrl}/api/alerts/${alert.id}/ack`, { method: 'POST' });
    expect(res.status).toBe(200);
    await waitFor(async () => (await api.alerts('device=t3')).find((a) => a.id === alert?.id)?.ack, 10_000, 'acked');
    const acked = (await api.alerts('device=t3')).find((a) => a.id === alert?.id);
    expect(acked).toMatchObject({ state: 'firing', ack: { by: 'anonymous', at: expect.any(Number) } });
    expect((await api.messages(rule.id)).map((m) => [m.data.state, m.data.ack?.by ?? null])).toEqual([
      ['firing', null],
      ['firing', 'anonymous'],
    ]);
    expect((await fetch(`${hub.httpUrl}/api/alerts/nope/ack`, { method: 'POST' })).status).toBe(404);
  });

  it('sends a sample from the test endpoint', async () => {
    const rule = await api.rule({ name: 'sample', device: 't2', metric: 'temperature', above: 500, webhook: receiver.url });
    const before = receiver.received.length;
    const res = await fetch(`${hub.httpUrl}/api/alert-rules/${rule.id}/test`, { method: 'POST' });
    expect(await res.json()).toEqual({ delivered: true, status: 200 });
    const hook = receiver.received[before];
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ kind: 'alert', data: { rule: rule.id, test: true } });
    expect(hook?.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', rule.secret).update(hook?.body ?? '').digest('hex')}`);
  });

  it('does not hold up ingest while a webhook hangs', async () => {
    receiver.answer = 'hang';
    const rule = await api.rule({ name: 'hang', device: 't2', metric: 'temperature', above: 200, webhook: receiver.url });
    await reading('t2', 'temperature', 250);
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'firing');
    // QoS 1 publishes are acknowledged (stored) while the webhook has not answered.
    for (let i = 0; i < 20; i++) await reading('t2', 'humidity', i);
    const latest = (await (await fetch(`${hub.httpUrl}/api/devices/t2`)).json()) as { metrics: { humidity?: { value: number } } };
    expect(latest.metrics.humidity?.value).toBe(19);
    receiver.answer = 200;
  });

  it('lists and removes rules; removing one resolves its alerts', async () => {
    const rule = await api.rule({ name: 'bye', device: 't1', metric: 'temperature', above: 1 });
    await reading('t1', 'temperature', 5);
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'firing');
    const listed = (await (await fetch(`${hub.httpUrl}/api/alert-rules`)).json()) as { rules: { id: string; secret?: string }[] };
    expect(listed.rules.map((r) => r.id)).toContain(rule.id);
    expect(listed.rules.every((r) => r.secret === undefined)).toBe(true);
    expect((await fetch(`${hub.httpUrl}/api/alert-rules/${rule.id}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => (await states(rule.id)).length === 2, 10_000, 'resolved by removal');
    expect((await fetch(`${hub.httpUrl}/api/alert-rules/${rule.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('exports alerts as CSV and NDJSON', async () => {
    const listed = await api.alerts('device=t1&limit=1000');
    const ndjson = (await (await fetch(`${hub.httpUrl}/api/export?kind=alerts&device=t1&format=ndjson`)).text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; device: string });
    expect(ndjson.map((a) => a.id).sort()).toEqual(listed.map((a) => a.id).sort());
    expect(ndjson.every((a) => a.device === 't1')).toBe(true);
    const csv = (await (await fetch(`${hub.httpUrl}/api/export?kind=alerts&device=t1`)).text()).trimEnd().split('\r\n');
    expect(csv[0]).toBe('id,rule,name,device,state,severity,since,since_time,resolved,value,ack_by,ack_at');
    expect(csv).toHaveLength(listed.length + 1);
    expect((await fetch(`${hub.httpUrl}/api/export?kind=alerts&metric=temperature`)).status).toBe(400);
  });

  it.each([
    ['an unknown metric', { name: 'x', device: 't1', metric: 'pressure', above: 1 }, /unknown metric "pressure"/],
    ['a threshold that is not a number', { name: 'x', metric: 'temperature', above: 'hot' }, /"above" must be a finite number/],
    ['two conditions', { name: 'x', metric: 'temperature', above: 1, below: 0 }, /one condition/],
    ['no condition', { name: 'x', device: 't1' }, /needs a condition/],
    ['a negative hysteresis', { name: 'x', metric: 'temperature', above: 1, hysteresis: -1 }, /hysteresis/],
    ['a webhook that is not http(s)', { name: 'x', metric: 'temperature', above: 1, webhook: 'ftp://example.com/x' }, /http or https/],
    ['a bad duration', { name: 'x', metric: 'temperature', above: 1, for: 'soon' }, /"for" must be a duration/],
    ['no name', { metric: 'temperature', above: 1 }, /"name"/],
    ['an unknown field', { name: 'x', metric: 'temperature', above: 1, colour: 'red' }, /unknown field "colour"/],
    ['a bad severity', { name: 'x', metric: 'temperature', above: 1, severity: 'doom' }, /severity/],
  ])('refuses %s with 400 and the reason', async (_name, body, reason) => {
    const made = await api.createRule(body);
    expect(made.status).toBe(400);
    expect(made.body.error).toMatch(reason);
  });

  it('keeps rules and firing alerts across a restart, and resolves them after', async () => {
    const rule = await api.rule({ name: 'durable', device: 't3', metric: 'temperature', above: 100 });
    await reading('t3', 'temperature', 150);
    await waitFor(async () => (await states(rule.id)).length === 1, 10_000, 'firing');
    await device.endAsync();
    await hub.close();
    hub = await startHub({ dataDir: hub.dataDir });
    device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'alert-test-devices' });
    expect((await api.alerts('state=firing&device=t3')).map((a) => a.rule)).toContain(rule.id);
    await reading('t3', 'temperature', 20);
    await waitFor(async () => !(await api.alerts('state=firing&device=t3')).some((a) => a.rule === rule.id), 10_000, 'resolved after restart');
  });
});
