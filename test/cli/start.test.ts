import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);

describe('fleetwire CLI', () => {
  it.each([[[]], [['start']], [['users']], [['users', 'add']], [['fleet']]])('%j --help explains itself', async (args) => {
    const run = await runCli([...args, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: fleetwire/m);
  });

  it('a bad flag stops start-up with one line naming the option', async () => {
    const run = await runCli(['start', '--mqtt-port', 'abc']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--mqtt-port.*'abc'.*port number/);
  });

  it('a bad environment variable names the variable', async () => {
    const run = await runCli(['start'], { FLEETWIRE_HTTP_PORT: '99999' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--http-port.*FLEETWIRE_HTTP_PORT.*port number/);
  });

  it('refuses to listen beyond loopback without a users file', async () => {
    const run = await runCli(['start', '--host', '0.0.0.0', '--mqtt-port', '0', '--http-port', '0']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--host 0\.0\.0\.0 is not loopback.*--users-file/);
  });

  it('refuses an unclear FLEETWIRE_ALLOW_ANONYMOUS', async () => {
    const run = await runCli(['start'], { FLEETWIRE_ALLOW_ANONYMOUS: 'maybe' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/FLEETWIRE_ALLOW_ANONYMOUS must be/);
  });

  it('starts, says where it listens, serves, and stops cleanly on SIGINT', async () => {
    const db = join(tempDir(), 'sub', 'fleetwire.db');
    const child = spawnCli(['start', '--mqtt-port', '0', '--http-port', '0', '--db', db]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor(() => stderr.includes('Press Ctrl-C'), 30_000, 'the start-up banner');
      const line = await waitFor(() => stdout.split('\n').find((l) => l.includes('"listening"')), 10_000, 'the listening log line');
      const { http, mqtt } = JSON.parse(line) as { http: string; mqtt: string };
      expect(mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      expect(stderr).toContain(`${http}/`);
      expect((await fetch(`${http}/healthz`)).status).toBe(200);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
