/**
 * Reference servers from Debian (mosquitto) on free loopback ports, for tests and benchmarks.
 * Each is stopped by the PID it was started with.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { TempDirs } from './temp-dirs.js';

/** A port the OS just called free (bound on port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mosquitto's version line (`mosquitto version 2.0.11`), or null when it is not installed. */
export function mosquittoVersion(): string | null {
  const help = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
  return help.error === undefined ? (/mosquitto version \S+/.exec(help.stdout)?.[0] ?? 'mosquitto') : null;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts mosquitto anonymous, without persistence, on a free loopback port, with Nagle off as fleetwire has it. */
export async function startMosquitto(): Promise<Mosquitto> {
  const port = await freePort();
  const temp = new TempDirs();
  const dir = temp.make('fleetwire-mosquitto-');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nlog_dest none\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    temp.remove();
  };
  try {
    await waitForPort(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `mqtt://127.0.0.1:${port}`, child, stop };
}
