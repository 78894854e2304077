/**
 * Alert rules across a cluster of two real nodes on a real Redis: a rule made on one node is
 * listed and evaluated on both; traffic and the clock fire each change exactly once cluster-wide
 * (one alert message in every node's history, one webhook POST to a real local HTTP server);
 * with the node that made the rule down the other fires and resolves it; a node that was down
 * gets the rules made meanwhile; a removal on either node removes the rule on both; a Redis that
 * lost its data gets the rules back from the nodes.
 */
import { createHmac } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertRuleView, SIGNATURE_HEADER } from '../../protocol/alerts.js';
import type { DeviceView, HubMessage } from '../../protocol/message.js';
import { AlertApi, type WebhookReceiver, startReceiver } from '../bridge/alerts/support.js';
import { type TestNode, startNode, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/hub.js';

const { rig, track } = useCluster(['a', 'b']);
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

const nodes = (): [TestNode, TestNode] => rig().nodes as [TestNode, TestNode];
const api = (node: TestNode): AlertApi => new AlertApi(() => node.httpUrl);
const ruleIds = async (node: TestNode): Promise<string[]> => ((await (await fetch(`${node.httpUrl}/api/alert-rules`)).json()) as { rules: AlertRuleView[] }).rules.map((r) => r.id);
const states = async (node: TestNode, rule: string): Promise<[string, unknown][]> => (await api(node).messages(rule)).map((m) => [m.data.state, m.data.value]);
/** The webhook POSTs received for a rule, in order. */
const hooks = (rule: string) => receiver.received.filter((r) => (JSON.parse(r.body) as HubMessage & { data: { rule: string } }).data.rule === rule);

async function device(node: TestNode, id: string): Promise<MqttClient> {
  return track(await mqtt.connectAsync(node.mqttUrl, { clientId: id, reconnectPeriod: 0 }));
}

/** Waits until `node` has applied a reading of `value` from `id` (so it has evaluated it). */
async function applied(node: TestNode, id: string, value: number): Promise<void> {
  await waitFor(async () => {
    const body = (await (await fetch(`${node.httpUrl}/api/messages?topic=devices/${id}/telemetry&since=0&limit=1000`)).json()) as { messages: HubMessage[] };
    return body.messages.some((m) => (m.data as { temperature?: number }).temperature === value);
  }, 10_000, `node ${node.name} to apply ${value} from ${id}`);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alert rules in a cluster', () => {
  let hot: { id: string; secret: string };

  it('lists a rule made on one node on the other, and fires it once cluster-wide with one webhook', async () => {
    const [a, b] = nodes();
    const dev = await device(b, 'al1');
    await dev.publishAsync('devices/al1/telemetry', '{"temperature":20}', { qos: 1 });
    await waitFor(async () => {
      const res = await fetch(`${a.httpUrl}/api/devices/al1`);
      return res.ok && 'temperature' in ((await res.json()) as DeviceView).metrics;
    }, 10_000, 'node a to know the device and its metric');
    hot = await api(a).rule({ name: 'hot', device: 'al1', metric: 'temperature', above: 30, webhook: receiver.url });
    await waitFor(async () => (await ruleIds(b)).includes(hot.id), 10_000, 'node b to list the rule');
    const listed = ((await (await fetch(`${b.httpUrl}/api/alert-rules`)).json()) as { rules: Record<string, unknown>[] }).rules.find((r) => r.id === hot.id);
    expect(listed).toMatchObject({ name: 'hot', webhook: receiver.url });
    expect(listed).not.toHaveProperty('secret');

    // Both nodes evaluate every reading and both run the clock: only one may fire.
    for (const t of [35, 36, 37]) await dev.publishAsync('devices/al1/telemetry', JSON.stringify({ temperature: t }), { qos: 1 });
    await applied(a, 'al1', 37);
    await applied(b, 'al1', 37);
    await waitFor(() => hooks(hot.id).length >= 1, 10_000, 'the webhook');
    await pause(1_500); // a second firing or webhook would show by now (the clock checks every second)
    for (const node of [a, b]) expect(await states(node, hot.id)).toEqual([['firing', 35]]);
    expect(await api(a).messages(hot.id)).toEqual(await api(b).messages(hot.id));
    const [hook] = hooks(hot.id);
    expect(hooks(hot.id)).toHaveLength(1);
    expect(hook?.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', hot.secret).update(hook?.body ?? '').digest('hex')}`);
    expect(JSON.parse(hook?.body ?? '')).toEqual((await api(b).messages(hot.id))[0]);
  });

  it('fires a rule on the clock once, though both nodes check it', async () => {
    const [a, b] = nodes();
    const dev = await device(a, 'al2');
    await dev.publishAsync('devices/al2/status', '{"online":true}', { qos: 1 });
    await waitFor(async () => (await fetch(`${b.httpUrl}/api/devices/al2`)).ok, 10_000, 'node b to know the device');
    const quiet = await api(b).rule({ name: 'quiet', device: 'al2', silent: '1s', webhook: receiver.url });
    await waitFor(async () => (await ruleIds(a)).includes(quiet.id), 10_000, 'node a to list the rule');
    await waitFor(async () => (await states(a, quiet.id)).length === 1, 10_000, 'silent');
    await pause(2_500); // both nodes' clocks go on checking
    await dev.publishAsync('devices/al2/telemetry', '{"temperature":1}', { qos: 1 });
    await waitFor(async () => (await states(b, quiet.id)).length === 2, 10_000, 'resolved when it speaks');
    for (let n = 0; n < 5; n++) {
      await pause(300); // it goes on speaking, so it is never silent for a second again
      await dev.publishAsync('devices/al2/telemetry', '{"temperature":1}', { qos: 1 });
    }
    for (const node of [a, b]) expect((await states(node, quiet.id)).map(([state]) => state)).toEqual(['firing', 'resolved']);
    expect(hooks(quiet.id).map((h) => (JSON.parse(h.body) as { data: { state: string } }).data.state)).toEqual(['firing', 'resolved']);
  });

  it('sends a firing and its resolution right behind it once each, in order', async () => {
    const [a, b] = nodes();
    const dev = await device(b, 'al3');
    await dev.publishAsync('devices/al3/telemetry', '{"temperature":20}', { qos: 1 });
    await waitFor(async () => {
      const res = await fetch(`${a.httpUrl}/api/devices/al3`);
      return res.ok && 'temperature' in ((await res.json()) as DeviceView).metrics;
    }, 10_000, 'node a to know the device and its metric');
    const flap = await api(a).rule({ name: 'flap', device: 'al3', metric: 'temperature', above: 50, webhook: receiver.url });
    await waitFor(async () => (await ruleIds(b)).includes(flap.id), 10_000, 'node b to list the rule');
    // Back below before the firing can have come back from Redis: the resolution waits for it.
    await Promise.all([60, 10].map((t) => dev.publishAsync('devices/al3/telemetry', JSON.stringify({ temperature: t }), { qos: 1 })));
    await waitFor(async () => (await states(a, flap.id)).length === 2, 10_000, 'firing and resolved');
    await waitFor(() => hooks(flap.id).length >= 2, 10_000, 'both webhooks');
    await pause(1_500);
    for (const node of [a, b]) expect(await states(node, flap.id)).toEqual([['firing', 60], ['resolved', 10]]);
    // Two deliveries, maybe from two nodes, race: a receiver orders them by the message's seq.
    const bySeq = hooks(flap.id).map((h) => JSON.parse(h.body) as { seq: number; data: { state: string } }).sort((x, y) => x.seq - y.seq);
    expect(bySeq.map((m) => m.data.state)).toEqual(['firing', 'resolved']);
  });

  it('resolves and fires the rule again with the node that made it down', async () => {
    const [a, b] = nodes();
    await a.stop();
    const dev = await device(b, 'al1-again');
    await dev.publishAsync('devices/al1/telemetry', '{"temperature":20}', { qos: 1 });
    await waitFor(async () => (await states(b, hot.id)).length === 2, 10_000, 'resolved by node b');
    await dev.publishAsync('devices/al1/telemetry', '{"temperature":40}', { qos: 1 });
    await waitFor(async () => (await states(b, hot.id)).length === 3, 10_000, 'firing again by node b');
    await waitFor(() => hooks(hot.id).length >= 3, 10_000, 'the webhooks');
    await pause(1_000);
    expect(await states(b, hot.id)).toEqual([
      ['firing', 35],
      ['resolved', 20],
      ['firing', 40],
    ]);
    expect(hooks(hot.id).map((h) => (JSON.parse(h.body) as { data: { value: number } }).data.value)).toEqual([35, 20, 40]);
  });

  it('gives a node that was down the rules made meanwhile, and removes a rule on both nodes from either', async () => {
    const [, b] = nodes();
    const late = await api(b).rule({ name: 'late', device: 'al1', metric: 'temperature', below: -50 });
    const a = await startNode('a', rig().dir, rig().redis.url);
    rig().nodes[0] = a;
    await waitFor(async () => {
      const ids = await ruleIds(a);
      return ids.includes(late.id) && ids.includes(hot.id);
    }, 10_000, 'the restarted node to list its rule and the one made while it was down');

    const removed = await fetch(`${b.httpUrl}/api/alert-rules/${hot.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    await waitFor(async () => !(await ruleIds(a)).includes(hot.id), 10_000, 'node a to drop the rule removed on node b');
    // Its firing alert resolves, once, though both nodes resolve what a removed rule had firing.
    await waitFor(async () => (await states(a, hot.id)).length === 4, 10_000, 'the last alert resolved');
    await pause(1_000);
    for (const node of [a, b]) expect((await states(node, hot.id)).map(([state]) => state)).toEqual(['firing', 'resolved', 'firing', 'resolved']);

    expect((await fetch(`${a.httpUrl}/api/alert-rules/${late.id}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => !(await ruleIds(b)).includes(late.id), 10_000, 'node b to drop the rule removed on node a');
    expect((await fetch(`${b.httpUrl}/api/alert-rules/${late.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('puts the rules back into a Redis that lost its data, for a node that joins after', async () => {
    const [a, b] = nodes();
    const { redis } = rig();
    const kept = await ruleIds(a);
    expect(kept).toHaveLength(2); // "quiet" and "flap"; the others were removed
    await redis.stop();
    await redis.start(); // no append-only file here: it comes back empty
    for (const node of [a, b]) await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 200, 20_000, `node ${node.name} ready again`);
    const c = await startNode('c', rig().dir, redis.url);
    rig().nodes.push(c);
    await waitFor(async () => (await ruleIds(c)).length === kept.length, 20_000, 'the new node to get the rules the others put back');
    expect(await ruleIds(c)).toEqual(kept);
    expect(a.output() + b.output()).toMatch(/alert rules this node had were missing in Redis: put back/);
  });
});
