/**
 * The hub reloads its users file when it changes and on `reload()`: MQTT clients still allowed
 * stay connected, new users log in without a restart, a removed user's browser session ends,
 * and a bad file is refused while the users in force stay.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, removeUser } from '../../auth/index.js';
import { startHub, stopAll, tempDir, waitFor, type TestHub } from '../support/hub.js';

let hub: TestHub;
let usersFile: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  usersFile = join(tempDir(), 'users.json');
  await addUsers(usersFile, [
    { name: 'ada', role: 'admin', password: 'ada-pass' },
    { name: 'vera', role: 'viewer', password: 'vera-pass' },
    { name: 'd1', role: 'device', password: 'd1-pass' },
  ]);
  hub = await startHub({ usersFile });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await stopAll();
});

async function device(id: string, password: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: id, username: id, password, reconnectPeriod: 0 });
  clients.push(client);
  return client;
}

async function login(name: string, password: string): Promise<string> {
  const res = await fetch(`${hub.httpUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const devicesStatus = async (token: string): Promise<number> => (await fetch(`${hub.httpUrl}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).status;

describe('reloading the users file', () => {
  it('picks up a changed file by itself: new users in, removed ones out, the rest undisturbed', async () => {
    const d1 = await device('d1', 'd1-pass');
    let d1Closed = false;
    d1.once('close', () => (d1Closed = true));
    const vera = await login('vera', 'vera-pass');
    const ada = await login('ada', 'ada-pass');
    expect(await devicesStatus(vera)).toBe(200);

    await addUsers(usersFile, [{ name: 'd2', role: 'device', password: 'd2-pass' }]);
    removeUser(usersFile, 'vera');

    // The removal is the later write: once it shows, the hub has reloaded both.
    await waitFor(async () => (await devicesStatus(vera)) === 401, 10_000, "vera's session to end");
    expect(await devicesStatus(ada)).toBe(200);
    const d2 = await device('d2', 'd2-pass');
    await d2.publishAsync('devices/d2/telemetry', '{"temperature":20}', { qos: 1 });
    await waitFor(async () => (await fetch(`${hub.httpUrl}/api/devices/d2`, { headers: { authorization: `Bearer ${ada}` } })).status === 200, 10_000, 'd2 in the registry');
    await d1.publishAsync('devices/d1/telemetry', '{"temperature":21}', { qos: 1 });
    expect(d1Closed).toBe(false);
  });

  it('applies a role taken away to a WebSocket opened before the reload', async () => {
    await addUsers(usersFile, [{ name: 'ops', role: 'admin', password: 'ops-pass' }]);
    await hub.reload();
    const token = await login('ops', 'ops-pass');
    const ws = new WebSocket(`${hub.httpUrl.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
    const frames: { op?: string; error?: string; status?: string }[] = [];
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { op?: string }));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    try {
      const command = JSON.stringify({ op: 'command', device: 'd1', name: 'led', args: { state: 'on' } });
      ws.send(command);
      await waitFor(() => frames.find((f) => f.op === 'command'), 10_000, 'the command to be accepted');
      await addUsers(usersFile, [{ name: 'ops', role: 'viewer', password: 'ops-pass' }]);
      await hub.reload();
      ws.send(command);
      const refused = await waitFor(() => frames.find((f) => f.op === 'error'), 10_000, 'the command to be refused');
      expect(refused.error).toMatch(/needs the admin role; ops is viewer/);
      expect(frames.filter((f) => f.op === 'command')).toHaveLength(1);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ws.terminate();
    }
  });

  it('reload() refuses a bad file with its reason and keeps the users in force', async () => {
    writeFileSync(usersFile, '{"version":1,"users":[{"name":"x","role":"root"}]}');
    await expect(hub.reload()).rejects.toThrow(/users file .*: user 'x' has role "root"/);
    const d1 = await device('d1', 'd1-pass');
    await d1.publishAsync('devices/d1/telemetry', '{"temperature":22}', { qos: 1 });
    expect(await login('ada', 'ada-pass')).toMatch(/\S/);
  });
});
