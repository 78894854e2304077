/** `--mqtt-port off`, `--http-port off`, `--tls-port off`: only the listeners asked for are started. */
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { selfSigned } from '../support/certs.js';
import { startHub, stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);
vi.setConfig({ testTimeout: 120_000 });

/** The status of a GET over HTTPS, trusting `ca`. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

describe('listeners that are off', () => {
  it('MQTT over TCP off: nothing on it, MQTT over WebSocket and HTTP still serve', async () => {
    const hub = await startHub({ mqttPort: null });
    expect(hub.urls.mqtt).toBeNull();
    expect(hub.broker.mqttAddress).toBeNull();
    expect(() => hub.mqttUrl).toThrow(/MQTT over TCP is off/);
    expect(hub.describe()).toContain('  MQTT            off (--mqtt-port off)');
    const ws = await mqtt.connectAsync(`${hub.httpUrl.replace(/^http/, 'ws')}/mqtt`, { reconnectPeriod: 0 });
    await ws.subscribeAsync('lab/echo');
    const got = new Promise<string>((resolve) => ws.once('message', (_t, payload) => resolve(payload.toString())));
    await ws.publishAsync('lab/echo', 'over ws', { qos: 1 });
    expect(await got).toBe('over ws');
    await ws.endAsync();
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200);
  });

  it('HTTP off: MQTT over TCP serves, the banner says every browser endpoint is off', async () => {
    const hub = await startHub({ httpPort: null });
    expect(hub.urls.http).toBeNull();
    expect(() => hub.httpUrl).toThrow(/HTTP is off/);
    expect(hub.describe()).toEqual(expect.arrayContaining(['  dashboard       off (--http-port off)', '  MQTT over WS    off, as is every browser endpoint (--http-port off)']));
    const client = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    await client.publishAsync('lab/anything', 'x', { qos: 1 });
    await client.endAsync();
  });

  it('MQTT over TLS off with a certificate: HTTPS only', async () => {
    const pair = selfSigned(tempDir(), 'hub');
    const hub = await startHub({ tlsCert: pair.cert, tlsKey: pair.key, tlsPort: null });
    expect(hub.mqttsUrl).toBeNull();
    expect(hub.broker.tlsAddress).toBeNull();
    expect(hub.describe()).toContain('  MQTT over TLS   off (--tls-port off)');
    expect(hub.httpUrl).toMatch(/^https:/);
    expect(await httpsStatus(`${hub.httpUrl}/healthz`, readFileSync(pair.cert))).toBe(200);
  });
});

describe('off on the command line, in the environment and in a config file', () => {
  it('start refuses with one line when every listener is off', async () => {
    for (const args of [['--mqtt-port', 'off', '--http-port', 'off'], ['--mqtt-port', 'off', '--http-port', 'OFF', '--tls-port', '0']]) {
      const run = await runCli(['start', ...args, '--db', `${tempDir()}/fleetwire.db`]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/every listener is off/);
    }
  });

  it('start refuses a demo fleet without MQTT over TCP, and a port that is neither a number nor off', async () => {
    const fleet = await runCli(['start', '--mqtt-port', 'off', '--fleet', '2']);
    expect(fleet.stderr).toMatch(/--fleet needs MQTT over TCP/);
    const bad = await runCli(['start', '--http-port', 'of']);
    expect(bad.stderr).toMatch(/--http-port.*'of'.*port number.*or off/);
  });

  it('config check takes off from a variable and from the file', async () => {
    const dir = tempDir();
    const file = `${dir}/fleetwire.yaml`;
    writeFileSync(file, 'mqtt-port: off\n');
    const run = await runCli(['config', 'check', file], { FLEETWIRE_TLS_PORT: 'off' });
    expect(run.stderr).toBe('configuration OK\n');
    const rows = new Map(run.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/) as [string, string, string]).map(([k, v, s]) => [k, `${v} ${s}`]));
    expect(rows.get('mqtt-port')).toBe(`off file ${file}`);
    expect(rows.get('tls-port')).toBe('off env FLEETWIRE_TLS_PORT');
  });

  it('a hub started with only MQTT over TCP says so in its banner', async () => {
    const child = spawnCli(['start', '--mqtt-port', '0', '--http-port', 'off', '--db', `${tempDir()}/fleetwire.db`]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor(() => stderr.includes('Press Ctrl-C'), 60_000, 'the banner');
      expect(stderr).toMatch(/MQTT {12}mqtt:\/\/127\.0\.0\.1:\d+/);
      expect(stderr).toMatch(/dashboard {7}off \(--http-port off\)/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
