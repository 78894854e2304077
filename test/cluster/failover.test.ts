/**
 * A cluster of two real nodes when things go wrong or span nodes: a command from a browser on
 * one node reaches a device on the other and its ack comes back; Redis restarting makes the
 * nodes unready (and say so) and they recover without losing an acknowledged message; a node
 * killed mid-stream loses nothing acknowledged while its device and browser move over.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { CommandView, HubMessage } from '../../protocol/message.js';
import { type Session, sseClient, wsClient } from '../bridge/support/transport-clients.js';
import { type TestNode, startNode, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/hub.js';

// Redis with an append-only file, so a restarted Redis comes back with the stream and the counter.
const { rig, track } = useCluster(['a', 'b'], { persistRedis: true });

async function device(id: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return track(await mqtt.connectAsync({ clientId: id, reconnectPeriod: 0, ...opts }));
}

const port = (url: string): number => Number(new URL(url).port);
const at = (node: TestNode): mqtt.IClientOptions => ({ host: '127.0.0.1', port: port(node.mqttUrl) });

async function watch(client: typeof sseClient, node: TestNode, filters: string[], since?: number): Promise<Session> {
  return track(await client.open(node.httpUrl, { filters, since }));
}

const readyz = async (node: TestNode): Promise<{ status: number; redis: boolean | undefined }> => {
  const res = await fetch(`${node.httpUrl}/readyz`);
  return { status: res.status, redis: ((await res.json()) as { checks: { redis?: boolean } }).checks.redis };
};

describe('a cluster when work spans nodes or something fails', () => {
  const nodes = (): [TestNode, TestNode] => rig().nodes as [TestNode, TestNode];

  it('carries a command from a browser on one node to a device on the other, and pushes the ack back', async () => {
    const [a, b] = nodes();
    const dev = await device('cmd1', at(a));
    await dev.subscribeAsync('devices/cmd1/cmd/#', { qos: 1 });
    dev.on('message', (_topic, payload) => {
      const { id } = JSON.parse(payload.toString()) as { id: string };
      void dev.publishAsync('devices/cmd1/ack', JSON.stringify({ id, ok: true, result: { led: 'on' } }), { qos: 1 });
    });
    await dev.publishAsync('devices/cmd1/status', '{"online":true}', { qos: 1, retain: true });
    await waitFor(async () => (await fetch(`${b.httpUrl}/api/devices/cmd1`)).ok, 10_000, 'the other node to know the device');
    const browser = await watch(wsClient, b, ['devices/nothing/else']);
    browser.send?.({ op: 'command', device: 'cmd1', name: 'led', args: { state: 'on' } });
    const pending = await waitFor(() => browser.controls.find((c) => c.op === 'command'), 10_000, 'the pending reply');
    const id = pending.id as string;
    const ack = await waitFor(() => browser.messages.find((m) => m.kind === 'ack'), 10_000, 'the ack pushed to the browser');
    expect(ack.data).toEqual({ id, ok: true, result: { led: 'on' } });
    for (const node of [a, b]) {
      const view = await waitFor(async () => {
        const v = (await (await fetch(`${node.httpUrl}/api/commands/${id}`)).json()) as CommandView;
        return v.status === 'acked' ? v : null;
      }, 10_000, `node ${node.name} to answer for the command`);
      expect(view.result).toEqual({ led: 'on' });
    }
  });

  it('goes unready while Redis is down, says so, and recovers when it returns, losing nothing acknowledged', async () => {
    const [a, b] = nodes();
    const { redis } = rig();
    expect(await readyz(a)).toEqual({ status: 200, redis: true });
    const browser = await watch(sseClient, b, ['devices/out1/telemetry']);
    const dev = await device('out1', { ...at(a), reconnectPeriod: 100 });
    await dev.publishAsync('devices/out1/telemetry', '{"n":0}', { qos: 1 });
    await redis.stop();
    await waitFor(async () => (await readyz(a)).status === 503, 10_000, 'node a to be unready');
    expect(await readyz(a)).toEqual({ status: 503, redis: false });
    expect(a.output()).toMatch(/REDIS IS UNREACHABLE/);
    // Refused while Redis is away: the device keeps it and resends until it is acknowledged.
    const acked = dev.publishAsync('devices/out1/telemetry', '{"n":1}', { qos: 1 });
    await redis.start();
    await waitFor(async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200, 20_000, 'both nodes ready again');
    expect(a.output()).toMatch(/Redis is reachable again/);
    await acked;
    await waitFor(() => browser.messages.some((m) => (m.data as { n: number }).n === 1), 20_000, 'the resent message on the other node');
    const seqs = browser.messages.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('loses nothing acknowledged when a node is killed mid-stream: the device and the browser move to the other node', async () => {
    const [a, b] = nodes();
    const filter = ['devices/k1/telemetry'];
    const first = await watch(sseClient, a, filter);
    // The device knows both nodes, as it would know a load balancer's: it moves on reconnect.
    const dev = await device('k1', { servers: [at(a), at(b)] as mqtt.IClientOptions['servers'], clean: false, reconnectPeriod: 100 } as mqtt.IClientOptions);
    const acked: number[] = [];
    const sending = (async () => {
      for (let n = 0; n < 60; n++) {
        await dev.publishAsync('devices/k1/telemetry', JSON.stringify({ n }), { qos: 1 });
        acked.push(n);
      }
    })();
    await waitFor(() => first.messages.length >= 20, 10_000, 'twenty messages before the kill');
    await a.stop('SIGKILL');
    await sending;
    const seen = first.messages.slice();
    const moved = await watch(wsClient, b, filter, seen.at(-1)?.seq ?? 0);
    await waitFor(() => new Set([...seen, ...moved.messages].map((m: HubMessage) => (m.data as { n: number }).n)).size === 60, 20_000, 'every acknowledged message');
    const all = [...seen, ...moved.messages];
    const seqs = all.map((m) => m.seq);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
    expect(moved.controls.filter((c) => c.op === 'reset')).toEqual([]);
    expect(new Set(all.map((m) => (m.data as { n: number }).n))).toEqual(new Set(acked));
  });

  it('restarts a killed node on its own data: it catches up, and a resume into what it missed gets reset, never a gap', async () => {
    const [, b] = nodes();
    // The previous case killed node a mid-stream; node b went on sequencing meanwhile.
    const before = (await (await fetch(`${b.httpUrl}/api/messages?topic=devices/k1/telemetry&since=0&limit=1000`)).json()) as { messages: HubMessage[] };
    const lastSeen = before.messages.at(-1)?.seq as number;
    const restarted = await startNode('a', rig().dir, rig().redis.url);
    rig().nodes[0] = restarted;
    const resumed = await watch(sseClient, restarted, ['devices/k1/telemetry'], lastSeen - 5);
    await waitFor(() => resumed.controls.some((c) => c.op === 'reset') || resumed.messages.length >= 5, 10_000, 'a reset or the replay');
    // Either it holds those five (then exactly them, in order) or it says reset: never a silent gap.
    if (!resumed.controls.some((c) => c.op === 'reset')) expect(resumed.messages.slice(0, 5)).toEqual(before.messages.slice(-5));
    const dev = await device('k2', at(b));
    await dev.publishAsync('devices/k1/telemetry', '{"n":1000}', { qos: 1 });
    const live = await waitFor(() => resumed.messages.find((m) => (m.data as { n: number }).n === 1000), 10_000, 'a new message on the restarted node');
    expect(live.seq).toBeGreaterThan(lastSeen);
    expect((await readyz(restarted)).status).toBe(200);
  });
});
