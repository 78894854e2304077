/**
 * `npm run bench -- logins [--storm 200] [--fleet 10000] [--fleet-cost 1024] [--window 500] [--cpu-prof DIR]`
 *
 * Device logins with passwords against a whole hub in a child process (users file in force):
 * 1. storm: `--storm` devices with default-cost hashes (scrypt N=2^14) send CONNECT at once, as a
 *    fleet does when it comes back after a restart; time until every one is accepted.
 * 2. fleet: `--fleet` devices connect (at most `--window` CONNECTs outstanding), all drop at once,
 *    and all reconnect: the reconnect is what a network blip costs. Their hashes use scrypt N =
 *    `--fleet-cost`, because writing 10,000 default-cost hashes alone would take minutes here.
 * Throughout, `/healthz` is asked back to back; its slowest answer shows how long the hub's event
 * loop was held. The hub's own event-loop lag (prom-client's monitor, reset by each read of
 * /metrics) tells a blocked loop from a loop that waited for a core on a busy machine. The users
 * file is written here with async scrypt in the file's own format.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAll } from './support/connect-all.js';
import { startHubProcess } from './support/hub-process.js';
import { flag, quantile, sleep } from './support/stats.js';

const derive = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const DEFAULT_COST = 16_384;

const passwordOf = (name: string): string => `${name}-secret`;
const nameOf = (prefix: string, i: number): string => `${prefix}-${String(i).padStart(5, '0')}`;

async function storedUser(name: string, N: number): Promise<object> {
  const salt = randomBytes(16);
  const hash = await derive(passwordOf(name), salt, 32, { N, r: 8, p: 1, maxmem: 128 * N * 8 + 1024 * 1024 });
  return { name, role: 'device', scrypt: { N, r: 8, p: 1, salt: salt.toString('base64'), hash: hash.toString('base64') } };
}

async function writeUsers(file: string, groups: { prefix: string; count: number; N: number }[]): Promise<void> {
  const users: object[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.count; i += 64) {
      users.push(...(await Promise.all(Array.from({ length: Math.min(64, g.count - i) }, (_, j) => storedUser(nameOf(g.prefix, i + j), g.N)))));
    }
  }
  writeFileSync(file, JSON.stringify({ version: 1, users }), { mode: 0o600 });
}

/** Asks /healthz back to back until stopped; returns every answer time, ms, and how many requests failed. */
function probeHealth(httpUrl: string): { stop: () => Promise<{ times: number[]; failed: number }> } {
  const times: number[] = [];
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        await (await fetch(`${httpUrl}/healthz`)).arrayBuffer();
        times.push(performance.now() - t0);
      } catch {
        failed++; // e.g. a kept-alive connection the hub closed while its loop was held
      }
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { times, failed };
    },
  };
}

/** The hub's largest event-loop delay since the last read, ms. */
async function loopLagMax(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return 1000 * Number(/^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? NaN);
}

async function phase(label: string, httpUrl: string, port: number, names: string[], window: number): Promise<Socket[]> {
  for (let i = 0; i < 5; i++) await (await fetch(`${httpUrl}/healthz`)).arrayBuffer(); // a warm connection
  await loopLagMax(httpUrl);
  const probe = probeHealth(httpUrl);
  await sleep(50);
  const { sockets, ms, refused } = await connectAll(port, names, window, (name) => ({ username: name, password: passwordOf(name), keepalive: 600 }));
  const { times: health, failed } = await probe.stop();
  const lag = await loopLagMax(httpUrl);
  console.log(
    `${label.padEnd(34)} ${String(sockets.length).padStart(6)} accepted ${String(refused).padStart(4)} refused in ${(ms / 1000).toFixed(2).padStart(6)} s   ` +
      `/healthz p50 ${quantile(health, 0.5).toFixed(1)} ms, p99 ${quantile(health, 0.99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms (${health.length} answered, ${failed} failed); ` +
      `hub event-loop lag max ${lag.toFixed(0)} ms`,
  );
  return sockets;
}

export async function run(args: string[]): Promise<void> {
  const storm = Number(flag(args, 'storm', '200'));
  const fleet = Number(flag(args, 'fleet', '10000'));
  const fleetCost = Number(flag(args, 'fleet-cost', '1024'));
  const window = Number(flag(args, 'window', '500'));
  // A V8 CPU profile of the hub's threads, written into DIR when it stops.
  const cpuProf = flag(args, 'cpu-prof', '');
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-logins-'));
  const usersFile = join(dir, 'users.json');
  console.log(`writing ${storm} users at scrypt N=${DEFAULT_COST} and ${fleet} at N=${fleetCost} ...`);
  await writeUsers(usersFile, [
    { prefix: 'storm', count: storm, N: DEFAULT_COST },
    { prefix: 'fleet', count: fleet, N: fleetCost },
  ]);
  const hub = await startHubProcess(join(dir, 'fleetwire.db'), { usersFile, nodeArgs: cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [] });
  const port = Number(new URL(hub.mqttUrl).port);
  try {
    const stormNames = Array.from({ length: storm }, (_, i) => nameOf('storm', i));
    const stormed = await phase(`storm: ${storm} at once, N=${DEFAULT_COST}`, hub.httpUrl, port, stormNames, storm);
    for (const s of stormed) s.destroy();
    await sleep(500);
    const fleetNames = Array.from({ length: fleet }, (_, i) => nameOf('fleet', i));
    const first = await phase(`fleet: first login, N=${fleetCost}`, hub.httpUrl, port, fleetNames, window);
    for (const s of first) s.destroy();
    await sleep(2000);
    const again = await phase(`fleet: all reconnect, N=${fleetCost}`, hub.httpUrl, port, fleetNames, window);
    for (const s of again) s.destroy();
  } finally {
    hub.child.kill('SIGTERM');
    await new Promise((resolve) => hub.child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
