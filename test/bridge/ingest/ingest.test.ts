/**
 * Ingest at the boundary: every publish becomes one contract message; a bad payload becomes a
 * `reject` message to whoever watches the device, is counted, and is never stored as data.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubMessage, RejectData } from '../../../protocol/message.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type Session, wsClient } from '../support/transport-clients.js';

let rig: Rig;
const sessions: Session[] = [];
beforeAll(async () => {
  rig = await startRig({ limits: { maxPayloadBytes: 2048 } });
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});
afterAll(stopRigs);

async function watch(filters: string[]): Promise<Session> {
  const s = await wsClient.open(rig.url, { filters });
  sessions.push(s);
  return s;
}

async function rejectsTotal(code: string): Promise<number> {
  const metric = await rig.metrics.getSingleMetric('fleetwire_bridge_rejects_total')?.get();
  return metric?.values.find((v) => v.labels.code === code)?.value ?? 0;
}

describe('bad payloads', () => {
  it.each([
    ['telemetry that is not JSON', 'devices/r1/telemetry', 'temperature=21', 'bad_json'],
    ['a metric that is not a number', 'devices/r1/telemetry', '{"temperature":"warm"}', 'bad_payload'],
    ['a bad metric name in the payload', 'devices/r1/telemetry', '{"Temp C":21}', 'bad_metric'],
    ['a bad metric name in the topic', 'devices/r1/telemetry/Temp', '21', 'bad_metric'],
    ['a single metric that is not a number', 'devices/r1/telemetry/temperature', 'warm', 'bad_payload'],
    ['a status without online', 'devices/r1/status', '{"model":"x"}', 'bad_payload'],
    ['an unknown LED state', 'devices/r1/led', '{"state":"dim"}', 'bad_payload'],
    ['an event without a type', 'devices/r1/events', '{"port":1}', 'bad_payload'],
    ['an ack without an id', 'devices/r1/ack', '{"ok":true}', 'bad_payload'],
    ['a payload over the size limit', 'devices/r1/telemetry', JSON.stringify({ x: 'y'.repeat(3000) }), 'too_large'],
  ])('%s becomes a reject message to watchers, counted, not data', async (_what, topic, payload, code) => {
    const s = await watch(['devices/r1/#']);
    const before = await rejectsTotal(code);
    expect(() => rig.publish(topic, payload)).not.toThrow();
    rig.publish('devices/r1/events', '{"type":"marker"}');
    await waitFor(() => s.messages.some((m) => m.kind === 'event'), 10_000, 'marker');
    expect(s.messages).toHaveLength(2);
    const reject = s.messages[0] as HubMessage;
    expect(reject).toMatchObject({ topic, device: 'r1', kind: 'reject' });
    const data = reject.data as unknown as RejectData;
    expect(data).toMatchObject({ code, topic, payload: payload.slice(0, 200) });
    expect(data.reason.length).toBeGreaterThan(10);
    expect(await rejectsTotal(code)).toBe(before + 1);
    const device = (await (await fetch(`${rig.url}/api/devices/r1`)).json()) as { metrics: object; led: unknown };
    expect(device.metrics).toEqual({});
    expect(device.led).toBeNull();
  });

  it('a bad device id is rejected with the device left out', async () => {
    const s = await watch(['devices/#']);
    rig.publish('devices/no good!/telemetry', '{"t":1}');
    await waitFor(() => s.messages.length === 1, 10_000, 'reject');
    expect(s.messages[0]).toMatchObject({ topic: 'devices/no good!/telemetry', device: null, kind: 'reject', data: { code: 'bad_device_id' } });
    expect((await fetch(`${rig.url}/api/devices/${encodeURIComponent('no good!')}`)).status).toBe(404);
  });

  it('a rejected payload is not stored as a time series point; a good one is', async () => {
    rig.publish('devices/r2/telemetry', '{"temperature":"hot","voltage":230}');
    rig.publish('devices/r2/telemetry/temperature', 'NaN');
    rig.publish('devices/r2/telemetry', '{"voltage":231}');
    await rig.store.flush();
    const series = (metric: string) => rig.store.history({ device: 'r2', metric, from: Date.now() - 3_600_000, to: Date.now() + 1000, step: 3_600_000 });
    expect(series('temperature')).toMatchObject({ ok: true, value: { points: [] } });
    expect(series('voltage')).toMatchObject({ ok: true, value: { points: [[expect.any(Number), 231, 231, 231, 1]] } });
  });
});

describe('ingest', () => {
  it('returns the commit promise for QoS 1 and 2, and nothing for QoS 0', async () => {
    const qos1 = rig.publish('devices/q1/telemetry', '{"t":1}', { qos: 1 });
    expect(qos1).toBeInstanceOf(Promise);
    await qos1;
    expect(rig.publish('devices/q1/telemetry', '{"t":2}', { qos: 0 })).toBeUndefined();
    await expect(rig.publish('devices/q1/telemetry', 'bad', { qos: 2 })).resolves.toBeUndefined();
  });

  it('skips $ topics, and carries a client’s cmd publish as a message', async () => {
    const s = await watch(['#', '$SYS/#']);
    rig.publish('$SYS/broker/uptime', '12');
    rig.publish('devices/c1/cmd/led', '{"id":"y","args":{}}', { clientId: 'admin-tool' });
    rig.publish('end', '1');
    await waitFor(() => s.messages.some((m) => m.topic === 'end'), 10_000, 'end');
    expect(s.messages.map((m) => [m.topic, m.kind, m.data])).toEqual([
      ['devices/c1/cmd/led', 'message', { id: 'y', args: {} }],
      ['end', 'message', 1],
    ]);
  });

  it('numbers messages with strictly increasing seqs that continue after a restart', async () => {
    const s = await watch(['seq/#']);
    for (let i = 0; i < 5; i++) rig.publish('seq/a', String(i));
    await waitFor(() => s.messages.length === 5, 10_000, '5 messages');
    const seqs = s.messages.map((m) => m.seq);
    expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
    await s.close();
    await rig.restart();
    const after = await watch(['seq/#']);
    rig.publish('seq/a', 'after');
    await waitFor(() => after.messages.length === 1, 10_000, 'after restart');
    expect((after.messages[0] as HubMessage).seq).toBeGreaterThan(seqs.at(-1) as number);
  });
});
