/**
 * `npm run bench -- broker [--runs 3] [--seconds 3] [--connections 10000] [--protocol 4|5] [--targets hub,broker,aedes,mosquitto] [--no-mosquitto] [--only idle|fan-in|fan-out|qos1|latency|reconnect] [--cpu-prof DIR]`
 *
 * Loads, each in a process of its own and one after the other (the order turning run by run):
 * - `hub`: the whole fleetwire hub as `fleetwire start` runs it, storing every message in SQLite
 *   (history, rollups, registry) and fanning out to browsers (none here), publish rate limit off;
 * - `broker`: fleetwire's broker alone (SQLite persistence, no ingest hook), where the hub's
 *   storage cost shows as the difference;
 * - `aedes`: bare Aedes, the same version, in-memory persistence, `concurrency: 0`, Nagle off;
 * - `mosquitto` (when installed), with `set_tcp_nodelay true` and `max_inflight_messages 0`;
 * with the same raw MQTT 3.1.1 (or, with --protocol 5, MQTT 5) clients, and prints the median of
 * each figure over the runs and the hub's ratio to each reference. The clients run in
 * this process and write pre-encoded packets, so they cost little next to the broker.
 * `--only idle` runs the idle-connection memory figure alone, with fleetwire's growth split
 * into V8 heap and external (Buffer) memory besides RSS; `--only` with another scenario runs that
 * one alone. `--cpu-prof DIR` has every Node broker process write a V8 CPU profile
 * (`.cpuprofile`, for Chrome DevTools or speedscope) into DIR/<target>, one per process and thread.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Aedes } from 'aedes';
import { createBroker } from '../broker/index.js';
import { HUB_DEFAULTS } from '../server/config.js';
import { createFleetwire } from '../server/create-fleetwire.js';
import { openDatabase } from '../storage/database.js';
import { rawClient, rawSubscriber } from '../test/broker/support/raw-client.js';
import { PUBACK, publishPacket, publishPayload } from '../test/broker/support/raw-packets.js';
import { connectAll } from './support/connect-all.js';
import { cpuSeconds, rssBytes } from './support/proc.js';
import { median, quantile, sleep } from './support/stats.js';

const SERVE_FLAG = '--serve-bench-broker';
const TARGETS = ['hub', 'broker', 'aedes', 'mosquitto'] as const;
type TargetName = (typeof TARGETS)[number];
type NodeTarget = Exclude<TargetName, 'mosquitto'>;
const WARMUP_MS = 1000;

/** A broker process's memory, bytes; heap and external only where the process is Node. */
interface Memory {
  rss: number;
  heapUsed?: number;
  external?: number;
}

interface Target {
  name: TargetName;
  port: number;
  /** The broker process's memory (after a GC where there is one). */
  memory(): Promise<Memory>;
  /** The broker process's CPU time so far, every thread, seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

// ---------- the brokers under test

/** Starts one of the Node brokers on a free port; resolves its port and how to close it. */
async function open(kind: NodeTarget, dir: string): Promise<{ port: number; close(): Promise<void> }> {
  if (kind === 'hub') {
    // Every load client connects from loopback: the per-address caps a hub has by default are lifted.
    const hub = await createFleetwire({ ...HUB_DEFAULTS, mqttPort: 0, httpPort: 0, tlsPort: null, dbFile: join(dir, 'fleetwire.db'), logLevel: 'error', brokerLimits: { publishesPerSecond: 0, authFailuresPerMinute: 100_000 } });
    return { port: Number(new URL(hub.mqttUrl).port), close: () => hub.close() };
  }
  if (kind === 'broker') {
    const db = openDatabase(join(dir, 'fleetwire.db'));
    const broker = await createBroker({ host: '127.0.0.1', port: 0, db, users: null, allowAnonymous: false, logger: pino({ level: 'error' }), metrics: new Registry(), limits: { publishesPerSecond: 0 } });
    const close = async (): Promise<void> => {
      await broker.close();
      db.close();
    };
    return { port: broker.mqttAddress?.port ?? 0, close };
  }
  // concurrency 0, as the hub has it: with Aedes' default of 100, a flood overflows mqemitter's stack (broker/index.ts).
  const aedes = new Aedes({ concurrency: 0 });
  await aedes.listen();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
}

/** Child side: runs the broker until told to stop, answering memory questions over IPC. */
async function serve(kind: NodeTarget): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-'));
  const broker = await open(kind, dir);
  process.on('message', (msg) => {
    if (msg === 'memory') {
      globalThis.gc?.();
      const { rss, heapUsed, external } = process.memoryUsage();
      process.send?.({ memory: { rss, heapUsed, external } });
    } else if (msg === 'stop') {
      void broker.close().then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send?.({ port: broker.port });
}

function ask<T>(child: ChildProcess, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, T>) => {
      if (!(key in reply)) return;
      child.off('message', onMessage);
      resolve(reply[key] as T);
    };
    child.on('message', onMessage);
    if (msg) child.send(msg);
  });
}

async function startNode(kind: NodeTarget, cpuProfDir: string | null): Promise<Target> {
  const profile = cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, kind)];
  const child = spawn(process.execPath, ['--expose-gc', ...profile, '--import', 'tsx', fileURLToPath(import.meta.url), SERVE_FLAG, kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await ask<number>(child, '', 'port');
  return {
    name: kind,
    port,
    memory: () => ask<Memory>(child, 'memory', 'memory'),
    cpuSeconds: () => cpuSeconds(child.pid ?? 0),
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function startMosquitto(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // Nagle off, as fleetwire has it, so the latency figures compare the brokers rather than the sockets.
  // Unlimited in flight, as fleetwire's closed-loop load expects of every broker: with mosquitto's
  // default of 20, QoS 1 deliveries past its queue of 1,000 are dropped and the loop stalls.
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nmax_inflight_messages 0\nlog_dest none\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      (await rawClient(port, 'probe')).destroy();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
  return {
    name: 'mosquitto',
    port,
    memory: async () => ({ rss: rssBytes(child.pid ?? 0) }),
    cpuSeconds: () => cpuSeconds(child.pid ?? 0),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const hasMosquitto = (): boolean => spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined;

// ---------- closed-loop load

/**
 * A closed loop: publishers may be at most `limit` deliveries ahead of what subscribers have
 * received, so the figures are what a broker sustains, not how much it can buffer (Aedes reads
 * whatever arrives, so an open-loop flood only measures its memory).
 */
class Window {
  sent = 0;
  received = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    /** deliveries per message sent (subscribers per topic) */
    readonly fanout = 1,
  ) {}

  /** Messages that may be sent now. */
  room(): number {
    return Math.floor((this.limit - (this.sent * this.fanout - this.received)) / this.fanout);
  }

  take(n: number): void {
    this.sent += n;
  }

  /** Calls `wake` once there is room again. */
  wait(wake: () => void): void {
    this.waiting.push(wake);
  }

  receive(): void {
    this.received++;
    if (this.waiting.length > 0 && this.room() * this.fanout >= this.limit / 2) for (const wake of this.waiting.splice(0)) setImmediate(wake);
  }
}

const BATCH = 64;

/** Writes QoS 0 packets while the window has room and the socket drains. */
function flood(socket: Socket, packet: Buffer, window: Window, running: () => boolean): void {
  const batch = Buffer.concat(Array.from({ length: BATCH }, () => packet));
  const pump = (): void => {
    if (!running() || socket.destroyed) return;
    const n = Math.min(BATCH, window.room());
    if (n <= 0) return window.wait(pump);
    window.take(n);
    if (socket.write(batch.subarray(0, n * packet.length))) setImmediate(pump);
    else socket.once('drain', pump);
  };
  pump();
}

/** Keeps up to `inflight` QoS 1 publishes unacknowledged on a connection, within the window. */
async function qos1Publisher(port: number, version: Version, id: string, topic: string, window: Window, running: () => boolean, inflight = 64): Promise<Socket> {
  let unacked = 0;
  let nextId = 1;
  let socket: Socket | null = null;
  const refill = (): void => {
    if (!socket || !running()) return;
    const n = Math.min(inflight - unacked, window.room());
    if (n <= 0) {
      if (unacked === 0) window.wait(refill);
      return;
    }
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      out.push(publishPacket(topic, 'qos1-bench-payload', { qos: 1, messageId: nextId, version }));
      nextId = (nextId % 65535) + 1;
    }
    unacked += n;
    window.take(n);
    socket.write(Buffer.concat(out));
  };
  socket = await rawClient(port, id, {
    version,
    onPackets: (packets) => {
      unacked -= packets.filter((p) => p.type === PUBACK).length;
      refill();
    },
  });
  refill();
  return socket;
}

// ---------- scenarios

/** Lets the load run through the warm-up, then returns what `received()` gains per second over `seconds`, and stops it. */
async function rate(seconds: number, received: () => number, stop: () => void): Promise<number> {
  await sleep(WARMUP_MS);
  const from = received();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const per = (received() - from) / ((performance.now() - t0) / 1000);
  stop();
  return per;
}

/** Outstanding deliveries the closed loop allows. */
const WINDOW = 20_000;

async function fanIn(port: number, version: Version, qos: 0 | 1, seconds: number): Promise<number> {
  const window = new Window(WINDOW);
  let on = true;
  const sockets = [await rawSubscriber(port, 'in-sub', 'bench/in', qos, () => window.receive(), version)];
  const packet = publishPacket('bench/in', 'qos0-bench-payload', { version });
  for (let i = 0; i < 100; i++) {
    if (qos === 1) sockets.push(await qos1Publisher(port, version, `in-pub-${i}`, 'bench/in', window, () => on));
    else sockets.push(await rawClient(port, `in-pub-${i}`, { version }));
  }
  if (qos === 0) for (const s of sockets.slice(1)) flood(s, packet, window, () => on);
  const result = await rate(seconds, () => window.received, () => (on = false));
  for (const s of sockets) s.destroy();
  return result;
}

async function fanOut(port: number, version: Version, seconds: number): Promise<number> {
  const subscribers = 200;
  const window = new Window(WINDOW * 5, subscribers);
  let on = true;
  const sockets: Socket[] = [];
  for (let i = 0; i < subscribers; i++) sockets.push(await rawSubscriber(port, `out-sub-${i}`, 'bench/out', 0, () => window.receive(), version));
  const pub = await rawClient(port, 'out-pub', { version });
  sockets.push(pub);
  flood(pub, publishPacket('bench/out', 'fan-out-payload', { version }), window, () => on);
  const result = await rate(seconds, () => window.received, () => (on = false));
  for (const s of sockets) s.destroy();
  return result;
}


/** Publishes at `perSecond` with the send time in each payload; latency is measured at the subscriber. */
async function latency(port: number, version: Version, perSecond: number, seconds: number): Promise<{ p50: number; p99: number; kept: number }> {
  const samples: number[] = [];
  let measuring = false;
  const sub = await rawSubscriber(
    port,
    'lat-sub',
    'bench/lat',
    0,
    (p) => {
      if (measuring) samples.push(Number(process.hrtime.bigint() - publishPayload(p, version).readBigInt64BE(0)) / 1e6);
    },
    version,
  );
  const pub = await rawClient(port, 'lat-pub', { version });
  const start = performance.now();
  let sent = 0;
  let sentMeasured = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond) - sent;
    const out: Buffer[] = [];
    for (let i = 0; i < due; i++) {
      const stamp = Buffer.alloc(8);
      stamp.writeBigInt64BE(process.hrtime.bigint());
      out.push(publishPacket('bench/lat', stamp, { version }));
    }
    sent += due;
    if (measuring) sentMeasured += due;
    if (out.length > 0) pub.write(Buffer.concat(out));
  }, 1);
  await sleep(WARMUP_MS);
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  clearInterval(timer);
  sub.destroy();
  pub.destroy();
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), kept: samples.length / Math.max(1, sentMeasured) };
}

/** CONNECTs outstanding at a time in the reconnect storm: a fleet's devices do not wait for each other. */
const STORM_WINDOW = 500;

/**
 * `count` clients connect, all drop at once (a network blip), and all connect again: resolves
 * the seconds from the first CONNECT of the second round to its last CONNACK, and the broker's
 * CPU seconds in that time (the load generator's own share of the cores is the rest).
 */
async function reconnectStorm(target: Target, version: Version, count: number): Promise<{ seconds: number; cpu: number }> {
  const ids = Array.from({ length: count }, (_, i) => `storm-${i}`);
  const optionsOf = () => ({ keepalive: 600, version });
  const drop = async (sockets: Socket[]): Promise<void> => {
    await Promise.all(sockets.map((s) => (s.destroy(), once(s, 'close'))));
    await sleep(1000); // for the broker to end the sessions
  };
  const first = await connectAll(target.port, ids, STORM_WINDOW, optionsOf);
  await drop(first.sockets);
  const cpuBefore = target.cpuSeconds();
  const again = await connectAll(target.port, ids, STORM_WINDOW, optionsOf);
  const cpu = target.cpuSeconds() - cpuBefore;
  await drop(again.sockets);
  if (first.refused + again.refused > 0) throw new Error(`reconnect storm: ${first.refused + again.refused} connections refused`);
  return { seconds: again.ms / 1000, cpu };
}

/** Opens `count` idle connections (clean session, keepalive 600 s) and reports the broker's growth per connection, after a first one. */
async function idleMemory(target: Target, version: Version, count: number): Promise<Required<Memory>> {
  // One connection comes and goes first: what the first one builds once is no cost per connection
  // (mqtt-packet's cache of 65,536 two-byte buffers, ~6.5 MB of heap, is made at the first CONNACK).
  const first = await rawClient(target.port, 'idle-first', { keepalive: 600, version });
  first.destroy();
  await once(first, 'close');
  const before = await target.memory();
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = Array.from({ length: Math.min(250, count - i) }, (_, j) => rawClient(target.port, `idle-${i + j}`, { keepalive: 600, version }));
    sockets.push(...(await Promise.all(batch)));
  }
  await sleep(1000);
  const after = await target.memory();
  for (const s of sockets) s.destroy();
  const per = (key: keyof Memory): number => ((after[key] ?? NaN) - (before[key] ?? NaN)) / count;
  return { rss: per('rss'), heapUsed: per('heapUsed'), external: per('external') };
}

// ---------- the run

type Version = 4 | 5;

/** The scenarios, in the order a full run measures them. */
const SCENARIOS = ['latency', 'fan-in', 'fan-out', 'qos1', 'idle', 'reconnect'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  runs: number;
  seconds: number;
  connections: number;
  /** MQTT protocol level of the load: 4 (3.1.1) or 5. */
  protocol: Version;
  targets: TargetName[];
  /** Run only this scenario. */
  only: Scenario | null;
  /** Where each Node broker process writes its CPU profile; null: no profile. */
  cpuProfDir: string | null;
}

function parseArgs(args: string[]): Options {
  const value = (flag: string, fallback: number): number => {
    const at = args.indexOf(flag);
    const n = at === -1 ? fallback : Number(args[at + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number of at least 1`);
    return n;
  };
  const protocol = value('--protocol', 4);
  if (protocol !== 4 && protocol !== 5) throw new Error('--protocol is 4 (MQTT 3.1.1) or 5');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt === -1 ? null : (args[onlyAt + 1] ?? '');
  if (only !== null && !(SCENARIOS as readonly string[]).includes(only)) throw new Error(`--only takes one of ${SCENARIOS.join(', ')}`);
  const profAt = args.indexOf('--cpu-prof');
  const cpuProfDir = profAt === -1 ? null : (args[profAt + 1] ?? '');
  if (cpuProfDir === '') throw new Error('--cpu-prof needs a directory');
  const targetsAt = args.indexOf('--targets');
  let targets = targetsAt === -1 ? [...TARGETS] : (args[targetsAt + 1] ?? '').split(',');
  for (const t of targets) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`--targets takes a list of ${TARGETS.join(', ')}; not ${t}`);
  if (args.includes('--no-mosquitto')) targets = targets.filter((t) => t !== 'mosquitto');
  if (!targets.includes('hub')) throw new Error('--targets must name hub: the figures are its ratios to the others');
  return { runs: value('--runs', 3), seconds: value('--seconds', 3), connections: value('--connections', 10_000), protocol, targets: targets as TargetName[], only: only as Scenario | null, cpuProfDir };
}

type Figures = Record<string, number>;

async function measure(start: () => Promise<Target>, o: Options): Promise<Figures> {
  const fresh = async <T>(fn: (t: Target) => Promise<T>): Promise<T> => {
    const target = await start();
    try {
      return await fn(target);
    } finally {
      await target.stop();
    }
  };
  const v = o.protocol;
  const idle = `per idle connection (${o.connections})`;
  const scenarios: Record<Scenario, () => Promise<Figures>> = {
    latency: async () => {
      const lat = await fresh((t) => latency(t.port, v, 5000, o.seconds));
      return { 'latency p50 at 5,000 msg/s, ms': lat.p50, 'latency p99 at 5,000 msg/s, ms': lat.p99, 'latency: share delivered': lat.kept };
    },
    'fan-in': async () => ({ 'QoS 0 fan-in 100→1, msg/s': await fresh((t) => fanIn(t.port, v, 0, o.seconds)) }),
    'fan-out': async () => ({ 'QoS 0 fan-out 1→200, deliveries/s': await fresh((t) => fanOut(t.port, v, o.seconds)) }),
    qos1: async () => ({ 'QoS 1 fan-in 100→1, msg/s': await fresh((t) => fanIn(t.port, v, 1, o.seconds)) }),
    idle: async () => {
      const m = await fresh((t) => idleMemory(t, v, o.connections));
      // The split into heap and external is only printed when idle memory is asked for alone.
      return o.only === 'idle' ? { [`memory ${idle}, bytes`]: m.rss, [`V8 heap ${idle}, bytes`]: m.heapUsed, [`external ${idle}, bytes`]: m.external } : { [`memory ${idle}, bytes`]: m.rss };
    },
    reconnect: async () => {
      const storm = await fresh((t) => reconnectStorm(t, v, o.connections));
      return { [`reconnect storm, ${o.connections} clients, s`]: storm.seconds, 'reconnect storm: broker CPU, s': storm.cpu };
    },
  };
  const figures: Figures = {};
  for (const name of o.only === null ? SCENARIOS : [o.only]) Object.assign(figures, await scenarios[name]());
  return figures;
}

const fmt = (n: number): string => (Number.isNaN(n) ? '-' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n < 1 ? 3 : 2));

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  if (o.targets.includes('mosquitto') && !hasMosquitto()) {
    console.log('mosquitto is not installed: skipping the reference (apt-get install mosquitto)');
    o.targets = o.targets.filter((t) => t !== 'mosquitto');
  }
  const start = (name: TargetName): Promise<Target> => (name === 'mosquitto' ? startMosquitto() : startNode(name, o.cpuProfDir));
  const results = new Map<TargetName, Figures[]>(o.targets.map((t) => [t, []]));
  for (let r = 0; r < o.runs; r++) {
    // the order turns run by run, so drift on a shared machine hits every broker alike
    const order = o.targets.map((_, i) => o.targets[(i + r) % o.targets.length] as TargetName);
    for (const name of order) {
      results.get(name)?.push(await measure(() => start(name), o));
      console.log(`run ${r + 1}/${o.runs} ${name} done`);
    }
  }
  const references = o.targets.filter((t) => t !== 'hub');
  const medianOf = (name: TargetName, figure: string): number => median((results.get(name) ?? []).map((f) => f[figure] as number));
  const rows = Object.keys(results.get('hub')?.[0] ?? {}).map((figure) => {
    const hub = medianOf('hub', figure);
    const refs = references.map((t) => medianOf(t, figure));
    const ratios = refs.map((ref) => (Number.isNaN(ref) || ref === 0 ? '-' : `${(hub / ref).toFixed(2)}x`));
    const runs = (results.get('hub') ?? []).map((f) => fmt(f[figure] as number)).join(' / ');
    return [figure, fmt(hub), ...refs.map(fmt), ...ratios, runs];
  });
  const header = ['figure', 'hub', ...references, ...references.map((t) => `hub/${t}`), 'hub runs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(`\nMQTT ${o.protocol === 5 ? '5' : '3.1.1'} clients; medians of ${o.runs} runs, ${o.seconds} s each after ${WARMUP_MS} ms warm-up; hub = the whole fleetwire hub, storing every message`);
  console.log(line(header));
  for (const row of rows) console.log(line(row as string[]));
}

if (process.argv.includes(SERVE_FLAG)) await serve(process.argv[process.argv.indexOf(SERVE_FLAG) + 1] as NodeTarget);
