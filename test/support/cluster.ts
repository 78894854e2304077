/**
 * fleetwire cluster nodes as real CLI processes on port 0, for cluster tests: each prints its
 * addresses in the "listening" log line; each can be killed for real (SIGKILL) by its PID.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawnCli } from './cli.js';
import { waitFor } from './hub.js';
import { type TestRedis, startRedis } from './redis.js';
import { TempDirs } from './temp-dirs.js';

export interface TestNode {
  readonly name: string;
  readonly mqttUrl: string;
  readonly httpUrl: string;
  readonly pid: number;
  /** Everything the node printed so far (JSON log lines on stdout, stderr). */
  output(): string;
  /** Sends `signal` to the process and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<TestNode>();

/** Starts a node with its own database in `dir` (reuse `name` to restart it on its data). */
export async function startNode(name: string, dir: string, redisUrl: string, extra: string[] = []): Promise<TestNode> {
  const child: ChildProcess = spawnCli(['start', '--mqtt-port', '0', '--http-port', '0', '--db', join(dir, `${name}.db`), '--redis', redisUrl, ...extra]);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    running.delete(node);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, signal);
    await exited;
  };
  const node: TestNode = { name, mqttUrl: '', httpUrl: '', pid: child.pid ?? -1, output: () => out, stop };
  running.add(node);
  try {
    const line = await waitFor(() => out.split('\n').find((l) => l.includes('"msg":"listening"')) ?? (child.exitCode !== null ? 'exited' : null), 30_000, `node ${name} to listen`);
    if (line === 'exited') throw new Error(`node ${name} exited:\n${out}`);
    const { mqtt, http } = JSON.parse(line) as { mqtt: string; http: string };
    return Object.assign(node, { mqttUrl: mqtt, httpUrl: http });
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
}

/** Stops every node still running (SIGKILL: cleanup must not hang on a node waiting for Redis). */
export async function stopNodes(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop('SIGKILL')));
}

/** What a cluster test starts: one Redis, its nodes, and the directory their files live in. */
export interface ClusterRig {
  readonly redis: TestRedis;
  readonly nodes: TestNode[];
  readonly dir: string;
}

/** An MQTT client or a browser session: whatever a test opens and must close. */
type Closable = { endAsync(force?: boolean): Promise<void> } | { close(): Promise<void> };

/**
 * Registers the hooks of a cluster test file: before all, Redis (with an append-only file when
 * `persistRedis`, so a restart keeps its data) and one node per name; after each test, every
 * client passed to `track`; after all, the nodes, Redis and the files.
 */
export function useCluster(names: string[], opts: { persistRedis?: boolean } = {}): { rig(): ClusterRig; track<T extends Closable>(client: T): T } {
  let rig: ClusterRig | null = null;
  const temp = new TempDirs();
  const open: Closable[] = [];
  beforeAll(async () => {
    const dir = temp.make('fleetwire-cluster-');
    const redis = await startRedis(opts.persistRedis ? dir : undefined);
    rig = { dir, redis, nodes: [] };
    rig.nodes.push(...(await Promise.all(names.map((name) => startNode(name, dir, redis.url)))));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => ('endAsync' in c ? c.endAsync(true) : c.close())));
  });
  afterAll(async () => {
    await stopNodes();
    await rig?.redis.stop();
    temp.remove();
  });
  return {
    rig: () => {
      if (!rig) throw new Error('the cluster is not started yet (use rig() inside tests)');
      return rig;
    },
    track(client) {
      open.push(client);
      return client;
    },
  };
}
