/**
 * Browsers across a cluster of three real nodes: a device on one node reaches SSE and
 * WebSocket subscribers on the others in the one cluster-wide seq order; a browser that moves
 * to another node resumes there with no gap and no duplicate; every node's history holds each
 * message exactly once.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { HubMessage } from '../../protocol/message.js';
import { type Session, sseClient, wsClient } from '../bridge/support/transport-clients.js';
import { type TestNode, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/hub.js';

const { rig, track } = useCluster(['a', 'b', 'c']);

const node = (i: number): TestNode => rig().nodes[i] as TestNode;

async function device(url: string, id: string): Promise<MqttClient> {
  return track(await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0 }));
}

async function session(client: typeof sseClient, url: string, filters: string[], since?: number): Promise<Session> {
  return track(await client.open(url, { filters, since }));
}

async function messages(url: string, filter: string): Promise<HubMessage[]> {
  const res = await fetch(`${url}/api/messages?topic=${encodeURIComponent(filter)}&since=0&limit=1000`);
  return ((await res.json()) as { messages: HubMessage[] }).messages;
}

const values = (list: HubMessage[]): number[] => list.map((m) => (m.data as { n: number }).n);

describe('browsers across nodes', () => {
  it('delivers a device on one node to SSE and WebSocket on the others, in one seq order, and nothing else', async () => {
    const sse = await session(sseClient, node(1).httpUrl, ['devices/x1/telemetry']);
    const ws = await session(wsClient, node(2).httpUrl, ['devices/x1/#']);
    const other = await session(sseClient, node(2).httpUrl, ['devices/nobody/#']);
    const d = await device(node(0).mqttUrl, 'x1');
    for (let n = 0; n < 20; n++) await d.publishAsync('devices/x1/telemetry', JSON.stringify({ n }), { qos: 1 });
    await waitFor(() => sse.messages.length === 20 && ws.messages.length === 20, 10_000, 'both browsers to get 20');
    expect(values(sse.messages)).toEqual([...Array(20).keys()]);
    expect(ws.messages).toEqual(sse.messages);
    const seqs = sse.messages.map((m) => m.seq);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
    expect(other.messages).toEqual([]);
  });

  it('lets a browser move to another node and resume there with no gap and no duplicate', async () => {
    const d = await device(node(0).mqttUrl, 'mv1');
    const first = await session(sseClient, node(1).httpUrl, ['devices/mv1/telemetry']);
    for (let n = 0; n < 10; n++) await d.publishAsync('devices/mv1/telemetry', JSON.stringify({ n }), { qos: 1 });
    await waitFor(() => first.messages.length === 10, 10_000, 'the first ten');
    await first.close();
    const cursor = first.messages[4]?.seq as number; // as if the browser had seen only five
    for (let n = 10; n < 15; n++) await d.publishAsync('devices/mv1/telemetry', JSON.stringify({ n }), { qos: 1 });
    const moved = await session(wsClient, node(2).httpUrl, ['devices/mv1/telemetry'], cursor);
    for (let n = 15; n < 20; n++) await d.publishAsync('devices/mv1/telemetry', JSON.stringify({ n }), { qos: 1 });
    await waitFor(() => moved.messages.length >= 15, 10_000, 'the replay and the live ones');
    expect(values(moved.messages)).toEqual([...Array(15).keys()].map((n) => n + 5));
    expect(moved.messages.slice(0, 5)).toEqual(first.messages.slice(5));
    expect(moved.controls.filter((c) => c.op === 'reset')).toEqual([]);
  });

  it('keeps each message exactly once in every node\'s history, under the same seq everywhere', async () => {
    const [d0, d1] = await Promise.all([device(node(0).mqttUrl, 'h0'), device(node(1).mqttUrl, 'h1')]);
    await Promise.all([d0, d1].map(async (d, i) => {
      for (let n = 0; n < 10; n++) await d.publishAsync(`devices/h${i}/telemetry`, JSON.stringify({ n }), { qos: 1 });
    }));
    const lists = await waitFor(async () => {
      const got = await Promise.all(rig().nodes.map((n) => messages(n.httpUrl, 'devices/+/telemetry')));
      return got.every((l) => l.filter((m) => m.device === 'h0' || m.device === 'h1').length >= 20) ? got : null;
    }, 10_000, 'every node to hold both devices\' messages');
    const mine = lists.map((l) => l.filter((m) => m.device === 'h0' || m.device === 'h1'));
    for (const list of mine) {
      expect(list).toEqual(mine[0]);
      expect(new Set(list.map((m) => m.seq)).size).toBe(20);
      expect(new Set(list.map((m) => `${m.device} ${(m.data as { n: number }).n}`)).size).toBe(20);
    }
    // The registry is built from the same stream on every node.
    const devices = await Promise.all(rig().nodes.map(async (n) => ((await (await fetch(`${n.httpUrl}/api/devices/h1`)).json()) as { metrics: unknown }).metrics));
    for (const m of devices) expect(m).toEqual(devices[0]);
  });
});
