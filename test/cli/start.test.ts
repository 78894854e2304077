import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { addUsers } from '../../auth/index.js';
import { runCli, spawnCli } from '../support/cli.js';
import { type RawConnection, parseAnswer, rawConnect } from '../support/raw-http.js';
import { stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);

describe('fleetwire CLI', () => {
  it.each([[[]], [['start']], [['users']], [['users', 'add']], [['fleet']]])('%j --help explains itself', async (args) => {
    const run = await runCli([...args, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: fleetwire/m);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('start --help groups its options and ends with examples', async () => {
    const run = await runCli(['start', '--help']);
    const headings = run.stdout.split('\n').filter((line) => /^[A-Z][a-z ]+:$/.test(line));
    expect(headings).toEqual(['Listeners:', 'Access:', 'Storage and commands:', 'Demo fleet:', 'Logs:', 'Broker limits:', 'Options:', 'Examples:']);
    expect(run.stdout).toMatch(/\$ fleetwire start --config /);
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
    const hub = await startCli([]);
    try {
      expect(hub.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      expect(hub.stderr()).toContain(`${hub.http}/`);
      expect((await fetch(`${hub.http}/healthz`)).status).toBe(200);
      hub.child.kill('SIGINT');
      const [code] = (await once(hub.child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (hub.child.exitCode === null) hub.child.kill('SIGKILL');
    }
  });

  it('reloads the users file on SIGHUP and says so', async () => {
    const usersFile = join(tempDir(), 'users.json');
    await addUsers(usersFile, [{ name: 'ada', role: 'admin', password: 'ada-pass' }]);
    const hub = await startCli(['--users-file', usersFile]);
    try {
      await addUsers(usersFile, [{ name: 'd1', role: 'device', password: 'd1-pass' }]);
      hub.child.kill('SIGHUP');
      await waitFor(() => hub.stderr().includes('SIGHUP: reloaded'), 10_000, 'the reload message');
      const d1 = await mqtt.connectAsync(hub.mqtt, { clientId: 'd1', username: 'd1', password: 'd1-pass', reconnectPeriod: 0 });
      await d1.endAsync(true);
    } finally {
      hub.child.kill('SIGKILL');
    }
  });

  it('broker limits are flags and environment variables', async () => {
    const hub = await startCli(['--max-packet-size', '1KiB'], { FLEETWIRE_MAX_TOPIC_LEVELS: '3' });
    const client = await mqtt.connectAsync(hub.mqtt, { reconnectPeriod: 0 });
    try {
      const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish('a/b/c/d', 'too deep'); // four levels: over the limit, the client is dropped
      await dropped;
      const again = await mqtt.connectAsync(hub.mqtt, { reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => again.once('close', () => resolve()));
      again.publish('a/b/c', Buffer.alloc(2048)); // over 1 KiB
      await closed;
      await again.endAsync(true);
    } finally {
      await client.endAsync(true);
      hub.child.kill('SIGKILL');
    }
  });

  it('start --config takes options from the file', async () => {
    const config = join(tempDir(), 'fleetwire.yaml');
    writeFileSync(config, 'max-topic-levels: 2\n');
    const hub = await startCli(['--config', config]);
    const watcher = await mqtt.connectAsync(hub.mqtt, { reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(hub.mqtt, { reconnectPeriod: 0 });
    try {
      const seen: string[] = [];
      watcher.on('message', (topic) => seen.push(topic));
      await watcher.subscribeAsync('#');
      await publisher.publishAsync('a/b', 'two levels', { qos: 1 });
      await waitFor(() => seen.includes('a/b'), 10_000, 'the two-level message');
      const dropped = new Promise<void>((resolve) => publisher.once('close', () => resolve()));
      publisher.publish('a/b/c', 'three levels'); // over the file's limit: the client is dropped
      await dropped;
      expect(seen).not.toContain('a/b/c');
    } finally {
      await Promise.all([watcher.endAsync(true), publisher.endAsync(true)]);
      hub.child.kill('SIGKILL');
    }
  });

  it('--allow-host names are answered by a hub without users, other names are refused', async () => {
    const hub = await startCli(['--allow-host', 'Hub.Example,fleet.lan']);
    try {
      const { port } = new URL(hub.http);
      for (const [host, status] of [[`hub.example:${port}`, 200], [`fleet.lan:${port}`, 200], [`evil.example:${port}`, 403], [`localhost:${port}`, 200]] as const) {
        const res = await rawGet(hub.http, '/healthz', host);
        expect([host, parseAnswer(res).status]).toEqual([host, status]);
      }
    } finally {
      hub.child.kill('SIGKILL');
    }
  });

  it('HTTP never takes the sockets MQTT devices need: under a 200-file limit, 180 idle HTTP connections leave MQTT working', async () => {
    // Generous timeouts: the held connections must stay open while the test runs, however loaded the machine.
    const hub = await startCli(['--http-headers-timeout', '120s', '--http-request-timeout', '120s'], {}, 200);
    const held: RawConnection[] = [];
    try {
      const refused: unknown[] = [];
      for (let i = 0; i < 180; i++) {
        const c = await rawConnect(hub.http);
        held.push(c);
        // Over the cap (half of 200) the answer comes at once, before any request.
        if (i >= 100) refused.push(parseAnswer(await c.closed));
      }
      expect(refused).toHaveLength(80);
      for (const answer of refused) expect(answer).toMatchObject({ status: 503, body: { code: 'busy' } });
      const device = await mqtt.connectAsync(hub.mqtt, { reconnectPeriod: 0, connectTimeout: 10_000 });
      await device.subscribeAsync('devices/fd/telemetry');
      const got = new Promise<string>((resolve) => device.once('message', (_t, payload: Buffer) => resolve(payload.toString())));
      await device.publishAsync('devices/fd/telemetry', '{"v":1}');
      expect(await got).toBe('{"v":1}');
      await device.endAsync(true);
      for (const c of held.splice(0)) c.socket.destroy();
      await waitFor(async () => (await fetch(`${hub.http}/healthz`).catch(() => null))?.status === 200, 10_000, 'HTTP back once the idle connections are gone');
    } finally {
      for (const c of held) c.socket.destroy();
      hub.child.kill('SIGKILL');
    }
  });

  it.each([
    [['start', '--http-connections-per-address', 'many'], {}, /--http-connections-per-address.*whole number/],
    [['start', '--http-headers-timeout', '1m'], {}, /--http-headers-timeout.*--http-request-timeout/],
    [['start', '--allow-host', 'http://x.example'], {}, /--allow-host.*not a host name/],
    [['start', '--max-topic-levels', '500'], {}, /--max-topic-levels.*at most 100/],
    [['start'], { FLEETWIRE_PUBLISH_RATE: 'fast' }, /--publish-rate.*FLEETWIRE_PUBLISH_RATE.*whole number/],
    [['start', '--drain-timeout', 'soon'], {}, /--drain-timeout.*duration/],
  ])('a bad limit stops start-up: %j %j', async (args, env, message) => {
    const run = await runCli(args, env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});

interface CliHub {
  child: ChildProcess;
  http: string;
  mqtt: string;
  stderr: () => string;
}

/** `fleetwire start` on free ports and a temp database, resolved once it says where it listens. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}, fdLimit?: number): Promise<CliHub> {
  const db = join(tempDir(), 'sub', 'fleetwire.db');
  const child = spawnCli(['start', '--mqtt-port', '0', '--http-port', '0', '--db', db, ...args], env, fdLimit);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(() => stderr.includes('Press Ctrl-C'), 30_000, 'the start-up banner');
    const line = await waitFor(() => stdout.split('\n').find((l) => l.includes('"listening"')), 10_000, 'the listening log line');
    const { http, mqtt: mqttUrl } = JSON.parse(line) as { http: string; mqtt: string };
    return { child, http, mqtt: mqttUrl, stderr: () => stderr };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

/** A GET with any Host header, on a bare socket; resolves with the whole answer. */
async function rawGet(base: string, path: string, host: string): Promise<string> {
  const c = await rawConnect(base);
  c.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  return c.closed;
}
