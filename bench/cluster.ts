/**
 * `npm run bench -- cluster [--nodes 1,2,3] [--seconds 5] [--devices 30] [--rate 1000]`
 *
 * A cluster of N fleetwire nodes (real CLI processes) on one redis-server (Debian's, no
 * persistence), for each N of `--nodes`. Devices are spread over the nodes round-robin, as a
 * TCP load balancer would; one WebSocket browser per node watches every device's telemetry.
 *
 * 1. Throughput: every device publishes QoS 1 telemetry as fast as its node acknowledges (20
 *    in flight each) for `--seconds`; prints messages acknowledged per second (each one is then
 *    sequenced in Redis and on the acknowledging node's disk) and the share of them every
 *    browser received.
 * 2. Latency: the devices publish QoS 0 telemetry carrying the send time at `--rate` msg/s in
 *    total; prints p50/p99 of device publish → browser receive, over browsers on every node (so
 *    with N > 1 most samples crossed nodes: device → node A → Redis → node B → browser).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { type TestNode, startNode, stopNodes } from '../test/support/cluster.js';
import { startRedis } from '../test/support/redis.js';
import { flag, quantile, sleep } from './support/stats.js';

const IN_FLIGHT = 20;
const TICKS_PER_S = 100;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const now = (): number => performance.timeOrigin + performance.now();

interface Browser {
  received: number;
  latencies: number[];
  ws: WebSocket;
}

/** A WebSocket browser on `node` watching all telemetry; resolves once subscribed. */
function browser(node: TestNode): Promise<Browser> {
  const ws = new WebSocket(`${node.httpUrl.replace(/^http/, 'ws')}/ws`);
  const b: Browser = { received: 0, latencies: [], ws };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { seq?: number; op?: string; data?: { sent?: number } };
      if (frame.op === 'error') return resolve(b); // the barrier: subscribe is in place
      if (frame.seq === undefined) return;
      b.received++;
      if (frame.data?.sent !== undefined) b.latencies.push(now() - frame.data.sent);
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ op: 'subscribe', topics: ['devices/+/telemetry'] }));
      ws.send(JSON.stringify({ op: 'barrier' }));
    });
  });
}

/** QoS 1 as fast as acknowledged for `ms`; returns the count acknowledged. */
async function flood(devices: MqttClient[], ms: number): Promise<number> {
  const end = Date.now() + ms;
  let acked = 0;
  await Promise.all(
    devices.map((d, i) =>
      Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (Date.now() < end) {
            await d.publishAsync(`devices/b${i}/telemetry`, '{"v":1}', { qos: 1 });
            acked++;
          }
        }),
      ),
    ),
  );
  return acked;
}

/** QoS 0 at `rate` msg/s in total for `ms`, each carrying its send time. */
async function paced(devices: MqttClient[], rate: number, ms: number): Promise<number> {
  const perTick = rate / TICKS_PER_S;
  let owed = 0;
  let sent = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const i = sent++ % devices.length;
      devices[i]?.publish(`devices/b${i}/telemetry`, JSON.stringify({ v: 1, sent: now() }), { qos: 0 });
    }
    await sleep(1000 / TICKS_PER_S);
  }
  return sent;
}

async function settle(browsers: Browser[], expected: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && browsers.some((b) => b.received < expected)) await sleep(100);
}

async function runCluster(n: number, seconds: number, deviceCount: number, rate: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-cluster-'));
  const redis = await startRedis();
  const devices: MqttClient[] = [];
  const browsers: Browser[] = [];
  try {
    const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startNode(`n${i}`, dir, redis.url)));
    for (const node of nodes) browsers.push(await browser(node));
    for (let i = 0; i < deviceCount; i++) devices.push(await mqtt.connectAsync((nodes[i % n] as TestNode).mqttUrl, { clientId: `b${i}`, reconnectPeriod: 0 }));

    const acked = await flood(devices, seconds * 1000);
    await settle(browsers, acked);
    const share = Math.min(...browsers.map((b) => b.received)) / acked;
    for (const b of browsers) b.received = 0;
    for (const b of browsers) b.latencies.length = 0;

    const sent = await paced(devices, rate, seconds * 1000);
    await settle(browsers, sent);
    const latencies = browsers.flatMap((b) => b.latencies);
    const got = Math.min(...browsers.map((b) => b.received)) / sent;
    return [
      `${n}`,
      fmt(acked / seconds),
      `${fmt(share * 100, 1)} %`,
      fmt(quantile(latencies, 0.5), 1),
      fmt(quantile(latencies, 0.99), 1),
      `${fmt(got * 100, 1)} %`,
    ];
  } finally {
    await Promise.all(devices.map((d) => d.endAsync(true)));
    for (const b of browsers) b.ws.terminate();
    await stopNodes();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const counts = flag(args, 'nodes', '1,2,3').split(',').map(Number);
  const seconds = Number(flag(args, 'seconds', '5'));
  const deviceCount = Number(flag(args, 'devices', '30'));
  const rate = Number(flag(args, 'rate', '1000'));
  console.log(`${deviceCount} devices spread over the nodes, one WebSocket browser per node; ${seconds} s per phase; latency at ${rate} msg/s QoS 0`);
  const rows = [['nodes', 'QoS 1 acked msg/s', 'every browser got', 'latency p50 ms', 'p99 ms', 'delivered']];
  for (const n of counts) rows.push(await runCluster(n, seconds, deviceCount, rate));
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c] ?? 0)).join('  '));
}
