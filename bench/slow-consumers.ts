/**
 * `npm run bench -- slow-consumers [--browsers 200] [--rate 2000] [--seconds 30] [--devices 20]`
 *
 * What browsers that never read cost the hub. The whole hub runs in a child process; devices
 * publish telemetry (QoS 0, ~150-byte payloads) at `--rate` msg/s in total, and one healthy
 * WebSocket browser watches everything. After a 5 s baseline, `--browsers` stalled browsers
 * (half SSE, half WebSocket, all watching `devices/#`) connect and then never read a byte.
 * Prints, for the baseline and for the stalled phase: hub RSS (from /proc, peak and last),
 * `/healthz` latency p50/p99/max sampled every 100 ms, messages the healthy browser received per
 * second, and how long the hub took to cut the stalled browsers off
 * (fleetwire_bridge_cutoffs_total{reason="stalled"}).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { hubCounter, startHubProcess } from './support/hub-process.js';
import { rssBytes } from './support/proc.js';
import { flag, quantile, sleep } from './support/stats.js';

const BASELINE_MS = 5000;
const TICKS_PER_S = 50;
const SAMPLE_MS = 100;
const CONNECT_BATCH = 20;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Resident set of a process, MiB. */
const rssMiB = (pid: number): number => rssBytes(pid) / 2 ** 20;

/** An SSE request on a raw socket that is never read; `closers` gets what ends it, at once. */
async function stalledSse(httpUrl: string, closers: (() => void)[]): Promise<void> {
  const { hostname, port } = new URL(httpUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  closers.push(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET /events?topic=${encodeURIComponent('devices/#')} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  socket.pause();
}

/** A WebSocket that subscribes, then never reads again. */
async function stalledWs(httpUrl: string, closers: (() => void)[]): Promise<void> {
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/ws`);
  ws.on('error', () => undefined);
  closers.push(() => ws.terminate());
  const upgraded = new Promise<Socket>((resolve) => ws.once('upgrade', (res) => resolve(res.socket as Socket)));
  await new Promise((r) => ws.once('open', r));
  const socket = await upgraded;
  ws.send(JSON.stringify({ op: 'subscribe', topics: ['devices/#'] }));
  socket.pause();
}

interface Phase {
  rss: number[];
  healthz: number[];
  /** /healthz requests that failed (connection refused or reset). */
  failed: number;
  received: number;
  ms: number;
}

/** Samples RSS and /healthz until `done` resolves. */
async function sample(pid: number, httpUrl: string, healthy: { received: number }, done: Promise<unknown>): Promise<Phase> {
  const phase: Phase = { rss: [], healthz: [], failed: 0, received: 0, ms: 0 };
  const start = performance.now();
  const from = healthy.received;
  let over = false;
  void done.then(() => (over = true));
  while (!over) {
    const t0 = performance.now();
    try {
      await (await fetch(`${httpUrl}/healthz`)).text();
      phase.healthz.push(performance.now() - t0);
    } catch {
      phase.failed++;
    }
    phase.rss.push(rssMiB(pid));
    await sleep(Math.max(0, SAMPLE_MS - (performance.now() - t0)));
  }
  phase.ms = performance.now() - start;
  phase.received = healthy.received - from;
  return phase;
}

function report(name: string, p: Phase): void {
  console.log(
    `${name.padEnd(10)} RSS peak ${fmt(Math.max(...p.rss))} MiB, last ${fmt(p.rss.at(-1) ?? NaN)} MiB | ` +
      `/healthz p50 ${fmt(quantile(p.healthz, 0.5), 1)} ms, p99 ${fmt(quantile(p.healthz, 0.99), 1)} ms, max ${fmt(Math.max(...p.healthz), 1)} ms${p.failed > 0 ? `, ${p.failed} failed` : ''} | ` +
      `healthy browser ${fmt(p.received / (p.ms / 1000))} msg/s`,
  );
}

export async function run(args: string[]): Promise<void> {
  const browsers = Number(flag(args, 'browsers', '200'));
  const rate = Number(flag(args, 'rate', '2000'));
  const seconds = Number(flag(args, 'seconds', '30'));
  const deviceCount = Number(flag(args, 'devices', '20'));
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-slow-'));
  const hub = await startHubProcess(join(dir, 'fleetwire.db'));
  const pid = hub.child.pid as number;
  const devices: MqttClient[] = [];
  const closers: (() => void)[] = [];
  let connected = 0;
  let healthyWs: WebSocket | null = null;
  let pacer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < deviceCount; i++) devices.push(await mqtt.connectAsync(hub.mqttUrl, { clientId: `slow${i}`, reconnectPeriod: 0 }));
    const healthy = { received: 0 };
    healthyWs = new WebSocket(`${hub.httpUrl.replace(/^http/, 'ws')}/ws`);
    await new Promise((r) => healthyWs?.once('open', r));
    healthyWs.send(JSON.stringify({ op: 'subscribe', topics: ['devices/#'] }));
    healthyWs.on('message', () => healthy.received++);

    const pad = 'x'.repeat(100);
    const perTick = rate / TICKS_PER_S;
    let owed = 0;
    let n = 0;
    pacer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--) {
        const device = devices[n++ % devices.length] as MqttClient;
        device.publish(`devices/slow${n % devices.length}/telemetry`, `{"temp_c":${n % 100},"pad_${pad.length}":${n}}`.padEnd(150, ' '), { qos: 0 });
      }
    }, 1000 / TICKS_PER_S);

    console.log(`${deviceCount} devices at ${fmt(rate)} msg/s; one healthy WebSocket browser; then ${browsers} stalled browsers (half SSE, half WebSocket) for ${seconds} s`);
    report('baseline', await sample(pid, hub.httpUrl, healthy, sleep(BASELINE_MS)));

    // The stalled phase starts with the first stalled connect: connecting them is part of the load.
    const opened = performance.now();
    const phaseOver = sleep(seconds * 1000);
    let over = false;
    void phaseOver.then(() => (over = true));
    const connecting = (async () => {
      for (let i = 0; i < browsers && !over; i += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, browsers - i) }, (_, j) => ((i + j) % 2 === 0 ? stalledSse : stalledWs)(hub.httpUrl, closers).then(() => connected++));
        await Promise.all(batch);
      }
      return performance.now() - opened;
    })();
    let allCut = NaN;
    const watchCutoffs = (async () => {
      while (!over && Number.isNaN(allCut)) {
        const cut = await hubCounter(hub.httpUrl, 'fleetwire_bridge_cutoffs_total').catch(() => 0);
        if (cut >= browsers) allCut = performance.now() - opened;
        await sleep(250);
      }
    })();
    const stalledPhase = await sample(pid, hub.httpUrl, healthy, phaseOver);
    await watchCutoffs;
    report('stalled', stalledPhase);
    const connectedIn = await Promise.race([connecting, sleep(0).then(() => NaN)]);
    console.log(
      `stalled browsers connected: ${connected} of ${browsers}${Number.isNaN(connectedIn) ? ' (still connecting when the phase ended)' : ` in ${fmt(connectedIn / 1000, 1)} s`}; ` +
        `cut off as stalled: ${await hubCounter(hub.httpUrl, 'fleetwire_bridge_cutoffs_total').catch(() => NaN)}${Number.isNaN(allCut) ? '' : `, all ${browsers} within ${fmt(allCut / 1000, 1)} s of the first connect`}`,
    );
  } finally {
    clearInterval(pacer);
    for (const close of closers) close();
    healthyWs?.terminate();
    await Promise.all(devices.map((d) => d.endAsync(true)));
    hub.child.kill('SIGTERM');
    await new Promise((r) => hub.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
