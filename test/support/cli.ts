/** Runs the `fleetwire` CLI from source in a child process, as a user would run it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI, under an open-file limit if `fdLimit` is given; the caller owns the child (kill it by its PID when done). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, fdLimit?: number): ChildProcess {
  const command = [process.execPath, '--import', 'tsx', CLI, ...args];
  // `exec` keeps the PID: the child is node itself, not a shell around it.
  const [file, ...argv] = fdLimit === undefined ? command : ['/bin/sh', '-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', ...command];
  return spawn(file as string, argv, {
    env: { ...process.env, FLEETWIRE_LOG_LEVEL: 'info', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to completion (killed after `ms`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, ms = 20_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
