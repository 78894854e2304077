/**
 * What a person sees at a terminal: pretty logs and a fleet progress line. The CLI runs under
 * `script`, which gives it a real pseudo-terminal; piped, the same commands must write JSON lines
 * and no progress animation.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CLI, spawnCli } from '../support/cli.js';
import { startHub, stopAll, tempDir, waitFor } from '../support/hub.js';

// Hubs with a fleet, started as a person would: slow on a loaded machine, never a timing assumption.
vi.setConfig({ testTimeout: 120_000 });

const stops: (() => void)[] = [];
afterAll(async () => {
  for (const stop of stops) stop();
  await stopAll();
});

// eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is tested
const PROGRESS = /\r\x1b\[2Kfleet: \d+\/30 devices online \(\d+\.\d s\)/;

/** Runs the CLI at a pseudo-terminal; returns everything the terminal showed so far. */
function atTerminal(args: string[]): () => string {
  const command = [process.execPath, '--import', 'tsx', CLI, ...args].join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FLEETWIRE_LOG_LEVEL: 'info' } });
  // Its own process group (detached): `script` and the CLI under it are stopped together.
  stops.push(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  });
  let shown = '';
  child.stdout?.on('data', (d: Buffer) => (shown += d.toString()));
  return () => shown;
}

function piped(args: string[]): () => string {
  const child = spawnCli(args);
  stops.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let shown = '';
  child.stdout?.on('data', (d: Buffer) => (shown += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (shown += d.toString()));
  return () => shown;
}

const startArgs = (): string[] => ['start', '--mqtt-port', '0', '--http-port', '0', '--db', join(tempDir(), 'fleetwire.db'), '--fleet', '30', '--fleet-interval', '10s'];

describe('at a terminal', () => {
  it('start shows pretty logs and a progress line while the demo fleet connects', async () => {
    const shown = atTerminal(startArgs());
    await waitFor(() => shown().includes('all 30 demo devices online'), 60_000, 'the fleet summary');
    expect(shown()).toMatch(PROGRESS);
    expect(shown()).toMatch(/INFO.*listening/);
    expect(shown()).not.toMatch(/"msg":"listening"/);
  });

  it('--log-format json keeps JSON lines at a terminal', async () => {
    const shown = atTerminal([...startArgs(), '--log-format', 'json']);
    await waitFor(() => shown().includes('all 30 demo devices online'), 60_000, 'the fleet summary');
    expect(shown()).toMatch(/"msg":"listening"/);
  });

  it('fleet shows the progress line too', async () => {
    const hub = await startHub();
    const shown = atTerminal(['fleet', '--count', '30', '--broker', hub.mqttUrl, '--interval', '10s']);
    await waitFor(() => shown().includes('all 30 devices online'), 60_000, 'the fleet summary');
    expect(shown()).toMatch(PROGRESS);
  });
});

describe('piped', () => {
  it('start writes JSON lines and no progress line; --log-format pretty forces pretty', async () => {
    const shown = piped(startArgs());
    await waitFor(() => shown().includes('all 30 demo devices online'), 60_000, 'the fleet summary');
    expect(shown()).toMatch(/"msg":"listening"/);
    expect(shown()).not.toMatch(/devices online \(/);
    expect(shown()).not.toContain('\r');

    const pretty = piped([...startArgs(), '--log-format', 'pretty']);
    await waitFor(() => pretty().includes('all 30 demo devices online'), 60_000, 'the fleet summary');
    expect(pretty()).toMatch(/INFO.*listening/);
    expect(pretty()).not.toMatch(/"msg":"listening"/);
    // eslint-disable-next-line no-control-regex -- as above
    expect(pretty()).not.toMatch(/\x1b\[3\dm/); // no colours into a pipe
  });
});
