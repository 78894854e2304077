/**
 * A real redis-server (Debian's /usr/bin/redis-server) on a free loopback port, for cluster
 * tests. Each test file starts its own and stops it by PID; restart() keeps the port, so
 * clients reconnect to the same URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './hub.js';
import { freePort } from './local-servers.js';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (with the same data when `dir` was given). */
  start(): Promise<void>;
}

/** Starts redis-server; `dir`: keep an append-only file there (survives stop/start). */
export async function startRedis(dir?: string): Promise<TestRedis> {
  const port = await freePort();
  const persistence = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    output = '';
    const proc = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => /Ready to accept connections/.test(output) || proc.exitCode !== null, 10_000, 'redis-server to start');
    if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    if (proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
    await exited;
  };

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
