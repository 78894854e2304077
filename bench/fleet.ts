/**
 * `npm run bench -- fleet [--devices 10000] [--runs 3] [--broker mqtt://…] [--no-sweep] [--cpu-prof DIR]`
 *
 * Runs the simulated fleet against a broker in another process (mosquitto when installed,
 * else Aedes in a child process; or --broker) and prints, as medians of the runs:
 *   - connect time for N devices (createFleet → ready());
 *   - memory per device (RSS and JS heap growth after GC) and CPU per device at 1 Hz;
 *   - devices per process at 1 Hz before the generator falls behind: rising loads, up to 5,000
 *     devices and beyond that the same 5,000 at shorter intervals (N × 1000 / interval is the
 *     load of that many devices at 1 Hz). Behind means readings run late (p99 lag over 250 ms)
 *     or fewer than 95 % of the readings due are generated. The share of generated readings
 *     the broker acked is printed beside it: low with small lag means the broker is the limit.
 * CPU is per reading generated, so it stays comparable on a busy machine; lag does not.
 * `--cpu-prof DIR` has each worker write a V8 CPU profile of its steady window (not the connect
 * storm) to DIR; the profiler's own cost shows in that run's CPU figure.
 *
 * Each measurement runs in a fresh process on an esbuild bundle of the fleet, as compiled
 * code runs in production: tsx keeps function names with a helper that costs every closure an
 * extra property array, which would inflate memory per device by about a third.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createFleet } from '../devices/index.js';
import { freePort, mosquittoVersion, startMosquitto, waitForPort } from '../test/support/local-servers.js';
import { flag, median, sleep } from './support/stats.js';

const WORKER_FLAG = '--fleet-bench-worker';
const STEADY_MS = 10_000;
const SETTLE_MS = 3_000;
const LAG_LIMIT_MS = 250;
const GENERATED_FLOOR = 0.95;
/** Loads swept, in devices at 1 Hz; above SWEEP_DEVICES the same devices read more often. */
const SWEEP_LOADS = [2000, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000];
const SWEEP_DEVICES = 5000;

interface WorkerSpec {
  url: string;
  devices: number;
  intervalMs: number;
  cpuProfDir: string | null;
}

interface WorkerResult {
  connectMs: number;
  rssPerDevice: number;
  heapPerDevice: number;
  /** CPU per reading generated: the cost of one device at 1 Hz, whatever the machine's load. */
  cpuUsPerReading: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Readings generated / readings due in the window. */
  generated: number;
  /** Readings the broker acked / readings generated in the window. */
  acked: number;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

async function telemetryAcked(registry: Registry): Promise<number> {
  const values = (await registry.getSingleMetric('fleetwire_fleet_published_total')?.get())?.values ?? [];
  return values.filter((v) => v.labels.channel === 'telemetry').reduce((s, v) => s + v.value, 0);
}

/** Starts the V8 profiler; the returned function writes the profile to `dir` and stops it. */
async function startProfile(dir: string, name: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

/** One measurement, in its own process: connect, settle, run STEADY_MS, report as one JSON line. */
async function worker(spec: WorkerSpec): Promise<WorkerResult> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const registry = new Registry();
  gc();
  const before = process.memoryUsage();
  const t0 = Date.now();
  const fleet = await createFleet({ broker: spec.url, count: spec.devices, intervalMs: spec.intervalMs, connectConcurrency: 200, seed: 42, logger: pino({ level: 'silent' }), metrics: registry });
  try {
    await fleet.ready();
    const connectMs = Date.now() - t0;
    await sleep(SETTLE_MS);
    const acked0 = await telemetryAcked(registry);
    const ran0 = fleet.stats().lag.ran;
    const stopProfile = spec.cpuProfDir === null ? null : await startProfile(spec.cpuProfDir, `fleet-${spec.devices}x${spec.intervalMs}ms`);
    const cpu0 = process.cpuUsage();
    const start = Date.now();
    const p99s: number[] = [];
    let lagMaxMs = 0;
    while (Date.now() - start < STEADY_MS) {
      await sleep(1000);
      const lag = fleet.stats().lag;
      p99s.push(lag.p99Ms);
      lagMaxMs = Math.max(lagMaxMs, lag.maxMs);
    }
    const elapsed = Date.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const readings = fleet.stats().lag.ran - ran0;
    const acked = (await telemetryAcked(registry)) - acked0;
    await stopProfile?.();
    gc();
    const after = process.memoryUsage();
    return {
      connectMs,
      rssPerDevice: (after.rss - before.rss) / spec.devices,
      heapPerDevice: (after.heapUsed - before.heapUsed) / spec.devices,
      cpuUsPerReading: (cpu.user + cpu.system) / Math.max(1, readings),
      lagP99Ms: Math.round(median(p99s)),
      lagMaxMs: Math.round(lagMaxMs),
      generated: readings / ((spec.devices * elapsed) / spec.intervalMs),
      acked: acked / Math.max(1, readings),
    };
  } finally {
    await fleet.close();
  }
}

/** Bundles this file, so workers run compiled code; node_modules stay external (resolved from the repo). */
async function bundleWorker(): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const dir = join(self, '..', '..', 'node_modules', '.cache', 'fleetwire-bench');
  mkdirSync(dir, { recursive: true });
  // One file per bench process: the cache is shared by every worktree linked to the same node_modules.
  const outfile = join(dir, `fleet-worker-${process.pid}.mjs`);
  await build({ entryPoints: [self], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}

function runWorker(file: string, spec: WorkerSpec): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, WORKER_FLAG, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as WorkerResult);
      else reject(new Error(`bench worker exited with ${code}: ${out.slice(-500)}`));
    });
  });
}

/** Starts mosquitto (or, without it, Aedes in a child process) on a free loopback port; stopped by its PID. */
async function startBroker(): Promise<{ url: string; name: string; stop(): void }> {
  const version = mosquittoVersion();
  if (version !== null) {
    const mosquitto = await startMosquitto();
    return { url: mosquitto.url, name: version, stop: () => void mosquitto.stop() };
  }
  const port = await freePort();
  const code = `import { Aedes } from 'aedes'; import net from 'node:net';
    const a = await Aedes.createBroker(); net.createServer((s) => { s.setNoDelay(true); a.handle(s); }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'ignore' });
  const stop = (): void => void child.kill('SIGTERM');
  try {
    await waitForPort(port);
  } catch (err) {
    stop();
    throw err;
  }
  return { url: `mqtt://127.0.0.1:${port}`, name: 'aedes in a child process', stop };
}

export async function run(args: string[]): Promise<void> {
  const devices = Number(flag(args, 'devices', '10000'));
  const runs = Number(flag(args, 'runs', '3'));
  const given = flag(args, 'broker', '');
  const cpuProfDir = args.includes('--cpu-prof') ? flag(args, 'cpu-prof', '') : null;
  if (cpuProfDir === '') throw new Error('--cpu-prof needs a directory');
  const broker = given ? null : await startBroker();
  const url = given || (broker?.url ?? '');
  let file = '';
  try {
    file = await bundleWorker();
    console.log(`broker: ${broker?.name ?? url}; ${devices} devices; ${runs} runs; node ${process.version}`);
    const results: WorkerResult[] = [];
    for (let r = 1; r <= runs; r++) {
      const w = await runWorker(file, { url, devices, intervalMs: 1000, cpuProfDir });
      results.push(w);
      console.log(
        `run ${r}: connect ${(w.connectMs / 1000).toFixed(1)} s, RSS ${kib(w.rssPerDevice)}/device, heap ${kib(w.heapPerDevice)}/device, ` +
          `CPU ${w.cpuUsPerReading.toFixed(0)} µs/reading, lag p99 ${w.lagP99Ms} ms (max ${w.lagMaxMs}), generated ${pct(w.generated)}, acked ${pct(w.acked)}`,
      );
    }
    const m = (f: (w: WorkerResult) => number) => median(results.map(f));
    console.log(`\nconnect time for ${devices} devices: ${(m((w) => w.connectMs) / 1000).toFixed(1)} s`);
    console.log(`memory per device: ${kib(m((w) => w.rssPerDevice))} RSS, ${kib(m((w) => w.heapPerDevice))} JS heap`);
    const cpu = m((w) => w.cpuUsPerReading);
    console.log(`CPU per device at 1 Hz: ${cpu.toFixed(0)} µs per reading (${(cpu / 10).toFixed(1)} % of one core per 1000 devices; one free core would carry about ${Math.floor(1e6 / cpu / 1000) * 1000})`);
    console.log(`reading lag, ${devices} devices at 1 Hz: p99 ${m((w) => w.lagP99Ms)} ms`);
    if (args.includes('--no-sweep')) return;

    let best = 0;
    for (const load of SWEEP_LOADS) {
      const count = Math.min(load, SWEEP_DEVICES);
      const intervalMs = Math.round((count * 1000) / load);
      const w = await runWorker(file, { url, devices: count, intervalMs, cpuProfDir });
      const keepsUp = w.lagP99Ms <= LAG_LIMIT_MS && w.generated >= GENERATED_FLOOR;
      console.log(
        `load of ${load} devices at 1 Hz (${count} every ${intervalMs} ms): lag p99 ${w.lagP99Ms} ms, generated ${pct(w.generated)}, ` +
          `acked ${pct(w.acked)}, CPU ${w.cpuUsPerReading.toFixed(0)} µs/reading ${keepsUp ? 'ok' : 'BEHIND'}`,
      );
      if (!keepsUp) break;
      best = load;
    }
    console.log(`\ndevices per process at 1 Hz before the generator falls behind: ${best ? `${best} (the last load that kept up)` : `fewer than ${SWEEP_LOADS[0]}`}`);
  } finally {
    broker?.stop();
    if (file) rmSync(file, { force: true });
  }
}

if (process.argv[2] === WORKER_FLAG) {
  const result = await worker(JSON.parse(process.argv[3] ?? '{}') as WorkerSpec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
