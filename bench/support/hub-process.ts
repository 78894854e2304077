/**
 * The hub under test runs in a child process, so the load generators in the bench process do
 * not share its event loop (they still share the machine's cores: say so with the figures).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface HubProcess {
  child: ChildProcess;
  mqttUrl: string;
  httpUrl: string;
}

const CHILD = fileURLToPath(new URL('./hub-child.ts', import.meta.url));

/** Starts a hub on free ports with its data in `dbFile` (its users in `usersFile`; `nodeArgs` go to its node); stop it with `child.kill('SIGTERM')`. */
export function startHubProcess(dbFile: string, opts: { usersFile?: string; nodeArgs?: readonly string[] } = {}): Promise<HubProcess> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', CHILD, dbFile, ...(opts.usersFile ? [opts.usersFile] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const [word, mqttUrl = '', httpUrl = ''] = line.split(' ');
      if (word === 'ready') resolve({ child, mqttUrl, httpUrl });
    });
    child.once('exit', (code) => reject(new Error(`bench hub exited with ${code}`)));
  });
}

/** A counter from the hub's /metrics, summed over its labels. */
export async function hubCounter(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}
