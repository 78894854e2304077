/**
 * `npm run bench -- history [--messages 60000] [--clients 32] [--days 30] [--fleet 10000]`
 *
 * Prints:
 *   - the store alone: append() + group commit into a fresh file, messages/s (2 readings each),
 *     for one device and for `--fleet` devices each reporting once a second, medians of 3 files;
 *   - the whole hub: messages/s persisted through MQTT → broker → bridge → history at QoS 0
 *     and at QoS 1 (PUBACK after commit), and QoS 1 as a share of QoS 0. The hub runs in a
 *     child process (this file with --history-bench-hub) so publishers and hub get a core
 *     each; `--clients` connections share the load because the broker lets each client send
 *     1,000 publishes/s. QoS 1 keeps 50 messages in flight per client. Then the PUBACK
 *     latency of one QoS 1 message at a time, which the commit window and the commit add to;
 *   - queries on `--days` days of one reading a second of one device (2.6 M readings for
 *     30 days): one day at 1,440 points, 30 days at 720 and at 1,440 points, and for
 *     comparison one day at a 30 s step, which cannot use rollups and reads raw points.
 *     Medians and p95 of 20 runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { HISTORY_DEFAULTS, type SqliteHistoryStore, createHistoryStore } from '../bridge/history/index.js';
import type { DeviceView } from '../protocol/message.js';
import { openDatabase } from '../storage/database.js';
import { hubCounter, startHubProcess } from './support/hub-process.js';
import { median, flag as textFlag, quantile, sleep } from './support/stats.js';

const DAY = 86_400_000;
const QUERY_RUNS = 20;
/** Fresh files the store-alone rate is the median of. */
const STORE_RUNS = 3;
const QOS1_IN_FLIGHT = 50;
const QOS0_UNWRITTEN = 200;
const LATENCY_MESSAGES = 500;

const flag = (args: string[], name: string, fallback: number): number => Number(textFlag(args, name, String(fallback)));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function openStore(dir: string): SqliteHistoryStore {
  return createHistoryStore({ db: openDatabase(join(dir, 'bench.db')), logger: pino({ level: 'silent' }), metrics: new Registry(), pruneIntervalMs: 0 });
}

/**
 * Appends `count` messages, one reading a second for each of `devices` in turn from `from` (a
 * fleet reporting at 1 Hz); waits for commits when the queue holds 10,000, as held
 * acknowledgements would.
 */
async function fill(store: SqliteHistoryStore, devices: readonly string[], from: number, count: number): Promise<void> {
  let pending: Promise<void> = Promise.resolve();
  for (let i = 0; i < count; i++) {
    const device = devices[i % devices.length] as string;
    const round = Math.floor(i / devices.length);
    const ts = from + round * 1_000;
    const seq = store.lastSeq() + 1;
    pending = store.append({ seq, ts, topic: `devices/${device}/telemetry`, device, kind: 'telemetry', data: { temperature: 20 + Math.sin(round / 600), voltage: 230 } });
    if (store.health().pending >= 10_000) await pending;
  }
  await store.flush();
}

const deviceIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `b${i + 1}`);

/**
 * Messages/s committed by the store alone into a fresh file, one run. The readings straddle a
 * minute boundary, so every run writes one minute's rollup cells in a commit (rollup-writer.ts),
 * and the close, which writes the minute still held, is timed too.
 */
async function storeRate(devices: readonly string[], count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-'));
  const store = openStore(dir);
  const seconds = Math.ceil(count / devices.length);
  const from = Math.ceil(Date.now() / 60_000) * 60_000 - Math.floor(seconds / 2) * 1_000;
  try {
    const t0 = performance.now();
    await fill(store, devices, from, count);
    await store.close();
    return count / ((performance.now() - t0) / 1_000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The store alone, for one device and for a fleet: a fleet's readings land on as many pages as it has series. */
async function storeAlone(count: number, fleet: number): Promise<void> {
  for (const devices of new Set([1, fleet])) {
    const runs: number[] = [];
    for (let r = 0; r < STORE_RUNS; r++) runs.push(await storeRate(deviceIds(devices), count));
    const rate = median(runs);
    const label = `store alone, ${fmt(devices)} device${devices === 1 ? '' : 's'}`.padEnd(33);
    console.log(`${label}${fmt(rate)} messages/s committed (${fmt(2 * rate)} readings/s), ${fmt(count)} messages; runs ${runs.map(fmt).join(' / ')}`);
  }
}

const persisted = (httpUrl: string) => hubCounter(httpUrl, 'fleetwire_history_messages_total');

/** Runs `measure` against a fresh hub in a child process, then stops it and removes its file. */
async function withHub<T>(measure: (hub: { mqttUrl: string; httpUrl: string }) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-'));
  const hub = await startHubProcess(join(dir, 'fleetwire.db'));
  try {
    return await measure(hub);
  } finally {
    hub.child.kill('SIGTERM');
    await new Promise((r) => hub.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Publishes `total` messages from `clients` connections at `qos`; returns messages persisted per second. */
async function throughput(hub: { mqttUrl: string; httpUrl: string }, qos: 0 | 1, total: number, clients: number): Promise<{ rate: number; stored: number; dropped: number }> {
  const conns = await Promise.all(Array.from({ length: clients }, (_, i) => mqtt.connectAsync(hub.mqttUrl, { clientId: `bench-${qos}-${i}`, reconnectPeriod: 0 })));
  try {
    const base = await persisted(hub.httpUrl);
    const each = Math.ceil(total / clients);
    const window = qos === 1 ? QOS1_IN_FLIGHT : QOS0_UNWRITTEN;
    const t0 = performance.now();
    // Each client keeps `window` publishes open: unacknowledged at QoS 1, unwritten at QoS 0.
    await Promise.all(
      conns.map(
        (client, c) =>
          new Promise<void>((resolve, reject) => {
            let sent = 0;
            let done = 0;
            const next = (): void => {
              if (sent === each) return;
              const n = sent++;
              client.publish(`devices/bench${c}/telemetry`, `{"temperature":${n % 100},"voltage":230}`, { qos }, (err) => {
                if (err) return reject(err);
                if (++done === each) resolve();
                else next();
              });
            };
            for (let i = 0; i < window; i++) next();
          }),
      ),
    );
    // QoS 1 is on disk when acknowledged; QoS 0 is done when the count stops moving.
    let stored = (await persisted(hub.httpUrl)) - base;
    let end = performance.now();
    for (let still = 0; stored < each * clients && still < 10; ) {
      await sleep(100);
      const now = (await persisted(hub.httpUrl)) - base;
      if (now === stored) still++;
      else [stored, end, still] = [now, performance.now(), 0];
    }
    return { rate: stored / ((end - t0) / 1_000), stored, dropped: await hubCounter(hub.httpUrl, 'fleetwire_history_dropped_total') };
  } finally {
    await Promise.all(conns.map((c) => c.endAsync(true)));
  }
}

/** One QoS 1 message at a time from one client: the time from publish to PUBACK, which includes the commit. */
async function pubackLatency(hub: { mqttUrl: string }, count: number): Promise<{ median: number; p99: number }> {
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'bench-latency', reconnectPeriod: 0 });
  try {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await client.publishAsync('devices/latency/telemetry', `{"temperature":${i % 100}}`, { qos: 1 });
      times.push(performance.now() - t0);
    }
    return { median: quantile(times, 0.5), p99: quantile(times, 0.99) };
  } finally {
    await client.endAsync(true);
  }
}

function timeQuery(store: SqliteHistoryStore, from: number, to: number, shape: { points?: number; step?: number }): { median: number; p95: number; points: number; step: number } {
  const times: number[] = [];
  let points = 0;
  let step = 0;
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t0 = performance.now();
    const answer = store.history({ device: 'q1', metric: 'temperature', from, to, ...shape });
    times.push(performance.now() - t0);
    if (!answer.ok) throw new Error(answer.error);
    points = answer.value.points.length;
    step = answer.value.step;
  }
  return { median: quantile(times, 0.5), p95: quantile(times, 0.95), points, step };
}

async function queries(days: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-'));
  const store = openStore(dir);
  try {
    const end = Math.floor(Date.now() / DAY) * DAY;
    const view: DeviceView = { id: 'q1', firstSeen: end, lastSeen: end, online: true, model: null, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] };
    store.saveDevice(view);
    const t0 = performance.now();
    await fill(store, ['q1'], end - days * DAY, (days * DAY) / 1_000);
    console.log(`query data         ${days} days at 1 Hz of one device written in ${((performance.now() - t0) / 1_000).toFixed(1)} s`);
    const cases: [string, number, { points?: number; step?: number }][] = [
      ['1 day, 1,440 points', DAY, { points: 1_440 }],
      [`${days} days, 720 points`, days * DAY, { points: 720 }],
      [`${days} days, 1,440 points`, days * DAY, { points: 1_440 }],
      ['1 day, 30 s step (raw)', DAY, { step: 30_000 }],
    ];
    for (const [name, span, shape] of cases) {
      const r = timeQuery(store, end - span, end, shape);
      console.log(`query ${name.padEnd(26)} median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms (${r.points} points, step ${r.step / 1_000} s)`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const messages = flag(args, 'messages', 60_000);
  const clients = flag(args, 'clients', 32);
  await storeAlone(200_000, flag(args, 'fleet', 10_000));
  const q0 = await withHub((hub) => throughput(hub, 0, messages, clients));
  console.log(`hub QoS 0          ${fmt(q0.rate)} messages/s persisted (${fmt(q0.stored)} of ${fmt(messages)} stored, ${fmt(q0.dropped)} refused by the full write queue)`);
  const q1 = await withHub((hub) => throughput(hub, 1, messages, clients));
  console.log(`hub QoS 1          ${fmt(q1.rate)} messages/s persisted, each PUBACK after its commit`);
  console.log(`QoS 1 / QoS 0      ${(q1.rate / q0.rate).toFixed(2)}`);
  const latency = await withHub((hub) => pubackLatency(hub, LATENCY_MESSAGES));
  console.log(`PUBACK latency     median ${latency.median.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms (one QoS 1 message at a time, commit window ${HISTORY_DEFAULTS.commitIntervalMs} ms)`);
  await queries(flag(args, 'days', 30));
}
