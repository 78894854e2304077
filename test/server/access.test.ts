/** With a users file, every browser endpoint of every part sits behind the same login and roles. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers } from '../../auth/index.js';
import { startHub, stopAll, tempDir, waitFor, type TestHub } from '../support/hub.js';

let hub: TestHub;
// The first three devices of the default mix.
const DEMO = ['thermo-1', 'power-1', 'led-1'];

beforeAll(async () => {
  const dir = tempDir();
  const usersFile = join(dir, 'users.json');
  const passwords = Object.fromEntries(DEMO.map((id) => [id, `${id}-secret`]));
  await addUsers(usersFile, [
    { name: 'ada', role: 'admin', password: 'ada-pass' },
    { name: 'vera', role: 'viewer', password: 'vera-pass' },
    ...DEMO.map((id) => ({ name: id, role: 'device' as const, password: `${id}-secret` })),
  ]);
  const fleetCredentials = join(dir, 'fleet.json');
  writeFileSync(fleetCredentials, JSON.stringify(passwords));
  hub = await startHub({ usersFile, fleet: 3, fleetCredentials, fleetIntervalMs: 200 });
});
afterAll(stopAll);

async function token(name: string, password: string): Promise<string> {
  const res = await fetch(`${hub.httpUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

function call(path: string, who: string | null, method = 'GET', body?: unknown): Promise<Response> {
  return fetch(`${hub.httpUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${who}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('browser access with a users file', () => {
  it('the demo fleet logs in with its per-device credentials', async () => {
    const admin = await token('ada', 'ada-pass');
    await waitFor(async () => {
      const body = (await (await call('/api/devices', admin)).json()) as { devices: { id: string; online: boolean }[] };
      return DEMO.every((id) => body.devices.some((d) => d.id === id && d.online));
    }, 20_000, 'the demo devices online');
  });

  it('the dashboard page itself loads without a login (it shows the login form)', async () => {
    expect((await fetch(`${hub.httpUrl}/`)).status).toBe(200);
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200);
  });

  it.each([
    ['/api/history?device=thermo-1&metric=temperature'],
    ['/api/events'],
    ['/api/lab/rate'],
    ['/api/fleet'],
  ])('GET %s needs a login, and a viewer may read', async (path) => {
    expect((await call(path, null)).status).toBe(401);
    const viewer = await token('vera', 'vera-pass');
    expect((await call(path, viewer)).status).not.toBe(401);
    expect((await call(path, viewer)).status).not.toBe(403);
  });

  it('changing things needs an admin: the lab rate and fleet faults', async () => {
    const viewer = await token('vera', 'vera-pass');
    const admin = await token('ada', 'ada-pass');
    expect((await call('/api/lab/rate', viewer, 'POST', { rate: 0 })).status).toBe(403);
    expect((await call('/api/lab/rate', admin, 'POST', { rate: 0 })).status).toBe(200);
    const fault = { name: 'stuck', target: 'thermo-1' };
    expect((await call('/api/fleet/faults', viewer, 'POST', fault)).status).toBe(403);
    expect((await call('/api/fleet/faults', admin, 'POST', fault)).status).toBeLessThan(300);
    expect((await call('/api/fleet/faults/stuck?target=thermo-1', admin, 'DELETE')).status).toBeLessThan(300);
  });

  it('a foreign origin is refused even with an admin session', async () => {
    const admin = await token('ada', 'ada-pass');
    const res = await fetch(`${hub.httpUrl}/api/lab/rate`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{"rate":0}' });
    expect(res.status).toBe(403);
    const preflight = await fetch(`${hub.httpUrl}/api/lab/rate`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
  });
});
