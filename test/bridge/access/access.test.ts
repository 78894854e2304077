/** Browser access with a users file: logins, sessions, roles, and origin checks. */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addUsers, loadUsers } from '../../../auth/index.js';
import { sendJson } from '../../../http/respond.js';
import type { Route } from '../../../http/router.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { parseAnswer, rawConnect } from '../../support/raw-http.js';
import { openRaw } from '../support/raw-stream.js';
import { type Session, sseClient, wsClient } from '../support/transport-clients.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetwire-access-'));
const usersFile = join(dir, 'users.json');
await addUsers(usersFile, [
  { name: 'vera', role: 'viewer', password: 'vera-pass' },
  { name: 'ada', role: 'admin', password: 'ada-pass' },
  { name: 'd1', role: 'device', password: 'd1-pass' },
]);
const ORIGIN = 'https://dash.example';

let rig: Rig;
const sessions: Session[] = [];
/** Another part's routes, put behind the bridge's checks with bridge.guard(). */
const OTHER_PART: Route[] = [
  { method: 'GET', path: '/api/other', handler: (_req, res) => sendJson(res, 200, { read: true }) },
  { method: 'POST', path: '/api/other', handler: (_req, res) => sendJson(res, 200, { changed: true }) },
];

beforeAll(async () => {
  rig = await startRig({ users: loadUsers(usersFile), allowOrigins: [ORIGIN], guarded: OTHER_PART });
  rig.publish('devices/d1/status', '{"online":true}');
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await stopRigs();
  rmSync(dir, { recursive: true, force: true });
});

async function login(name: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${rig.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name, password }) });
}
async function token(name: string, password: string): Promise<string> {
  const res = await login(name, password);
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const command = (headers: Record<string, string>) =>
  fetch(`${rig.url}/api/devices/d1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"name":"led","args":{"state":"on"}}' });
function upgradeStatus(headers: Record<string, string>, query = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${rig.url.replace(/^http/, 'ws')}/ws${query}`, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('without a login', () => {
  it.each(['/events?topic=a', '/api/messages?topic=a', '/api/poll?topic=a', '/stream/iframe?topic=a', '/api/devices', '/api/devices/d1', '/api/commands/x', '/api/session'])(
    'GET %s is 401 with a JSON error',
    async (path) => {
      const res = await fetch(`${rig.url}${path}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('log in') });
    },
  );

  it('refuses commands and the WebSocket upgrade with 401', async () => {
    expect((await command({})).status).toBe(401);
    expect(await upgradeStatus({})).toBe(401);
    expect((await command(bearer('made-up-token'))).status).toBe(401);
  });
});

describe('logging in', () => {
  it('refuses a wrong password, a device account and a malformed body', async () => {
    expect((await login('vera', 'nope')).status).toBe(401);
    expect((await login('nobody', 'nope')).status).toBe(401);
    expect((await login('d1', 'd1-pass')).status).toBe(403);
    const bad = await fetch(`${rig.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":1}' });
    expect(bad.status).toBe(400);
  });

  it('answers a token and sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const res = await login('vera', 'vera-pass');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; role: string; token: string };
    expect(body).toMatchObject({ name: 'vera', role: 'viewer' });
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`fleetwire_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP here
  });

  it('accepts the session as cookie, bearer token, or access_token on the streams', async () => {
    const t = await token('vera', 'vera-pass');
    expect((await fetch(`${rig.url}/api/devices`, { headers: { cookie: `other=1; fleetwire_session=${t}` } })).status).toBe(200);
    expect((await fetch(`${rig.url}/api/devices`, { headers: bearer(t) })).status).toBe(200);
    expect(await (await fetch(`${rig.url}/api/session`, { headers: bearer(t) })).json()).toEqual({ name: 'vera', role: 'viewer', open: false });
    const viaQuery = await sseClient.open(rig.url, { filters: ['a'], query: { access_token: t } });
    const viaCookie = await sseClient.open(rig.url, { filters: ['a'], headers: { cookie: `fleetwire_session=${t}` } });
    sessions.push(viaQuery, viaCookie);
    expect(viaQuery.subscriber).not.toBe(viaCookie.subscriber);
    expect(await upgradeStatus({ cookie: `fleetwire_session=${t}` })).toBe(101);
    expect(await upgradeStatus({}, `?access_token=${t}`)).toBe(101);
  });

  it('ends the session on logout', async () => {
    const t = await token('vera', 'vera-pass');
    const out = await fetch(`${rig.url}/api/logout`, { method: 'POST', headers: bearer(t) });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/fleetwire_session=;.*Max-Age=0/);
    expect((await fetch(`${rig.url}/api/devices`, { headers: bearer(t) })).status).toBe(401);
  });
});

describe('roles', () => {
  it('lets an admin send commands and refuses a viewer with 403, on REST and on the WebSocket', async () => {
    const viewer = await token('vera', 'vera-pass');
    const admin = await token('ada', 'ada-pass');
    const refused = await command(bearer(viewer));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('admin') });
    expect((await command(bearer(admin))).status).toBe(202);
    const ws = await wsClient.open(rig.url, { filters: ['a'], headers: bearer(viewer) });
    sessions.push(ws);
    ws.send?.({ op: 'command', device: 'd1', name: 'led' });
    await waitFor(() => ws.controls.some((c) => c.op === 'error'), 10_000, 'error frame');
    expect(ws.controls).toEqual([{ op: 'error', error: expect.stringContaining('admin') }]);
  });
});

describe('other parts’ routes behind bridge.guard()', () => {
  it('need a viewer to read and an admin for anything else, from an allowed origin', async () => {
    const viewer = await token('vera', 'vera-pass');
    const admin = await token('ada', 'ada-pass');
    const other = (method: string, headers: Record<string, string>) => fetch(`${rig.url}/api/other`, { method, headers });
    expect((await other('GET', {})).status).toBe(401);
    expect(await (await other('GET', bearer(viewer))).json()).toEqual({ read: true });
    expect((await other('POST', bearer(viewer))).status).toBe(403);
    expect(await (await other('POST', bearer(admin))).json()).toEqual({ changed: true });
    expect((await other('POST', { ...bearer(admin), origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe('origins', () => {
  it('refuses requests from a foreign origin, even with a valid session', async () => {
    const admin = await token('ada', 'ada-pass');
    const evil = { origin: 'http://evil.example' };
    expect((await command({ ...bearer(admin), ...evil })).status).toBe(403);
    expect((await fetch(`${rig.url}/api/devices`, { headers: { ...bearer(admin), ...evil } })).status).toBe(403);
    expect((await login('ada', 'ada-pass', evil)).status).toBe(403);
    expect(await upgradeStatus({ ...bearer(admin), ...evil })).toBe(403);
  });

  it('allows the hub’s own origin, and an allowed origin with CORS headers', async () => {
    const admin = await token('ada', 'ada-pass');
    expect((await command({ ...bearer(admin), origin: rig.url })).status).toBe(202);
    const res = await command({ ...bearer(admin), origin: ORIGIN });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await upgradeStatus({ ...bearer(admin), origin: ORIGIN })).toBe(101);
  });

  it('answers CORS preflight for an allowed origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${rig.url}/api/devices/d1/commands`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization.*content-type.*x-fleetwire-subscriber/);
    expect((await preflight('http://evil.example')).status).toBe(403);
  });
});

describe('login attempts', () => {
  it('are limited per address: after ten failures in a minute, even the right password gets 429', async () => {
    const limited = await startRig({ users: loadUsers(usersFile) });
    const attempt = () => fetch(`${limited.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"vera","password":"wrong"}' });
    for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(429);
    const right = await fetch(`${limited.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"vera","password":"vera-pass"}' });
    expect(right.status).toBe(429);
  });
});

describe('open access (no users file)', () => {
  it('needs no login and says so', async () => {
    const open = await startRig();
    expect(await (await fetch(`${open.url}/api/session`)).json()).toEqual({ name: 'anonymous', role: 'admin', open: true });
    const res = await fetch(`${open.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a","password":"b"}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('open') });
  });
});

describe('the URL token', () => {
  it('opens only the streams a browser cannot send headers to: not JSON routes, not commands', async () => {
    const admin = await token('ada', 'ada-pass');
    const sent = rig.published.length;
    const res = await fetch(`${rig.url}/api/devices/d1/commands?access_token=${admin}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"led"}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('access_token') });
    expect(rig.published.length).toBe(sent);
    for (const path of ['/api/devices', '/api/session', '/api/other']) expect((await fetch(`${rig.url}${path}?access_token=${admin}`)).status).toBe(401);
    const iframe = await openRaw(`${rig.url}/stream/iframe?topic=a&access_token=${admin}`);
    iframe.close();
    expect(iframe.status).toBe(200);
    expect(await upgradeStatus({}, `?access_token=${admin}`)).toBe(101);
  });
});

describe('JSON routes', () => {
  it.each([
    ['a text/plain', 'text/plain', '{"name":"led","args":{"state":"on"}}'],
    ['a form', 'application/x-www-form-urlencoded', 'name=led'],
    ['an untyped', '', '{"name":"led"}'],
  ])('refuse %s body with 415 JSON and send nothing', async (_what, type, body) => {
    const admin = await token('ada', 'ada-pass');
    const sent = rig.published.length;
    const res = await fetch(`${rig.url}/api/devices/d1/commands`, { method: 'POST', headers: { ...bearer(admin), 'content-type': type }, body });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'unsupported_media_type', error: expect.stringContaining('application/json') });
    expect(rig.published.length).toBe(sent);
    const login = await fetch(`${rig.url}/api/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"ada","password":"ada-pass"}' });
    expect(login.status).toBe(415);
  });
});

describe('the login limiter under concurrent attempts', () => {
  it('gives 40 requests held open at once no more password checks than the limit', async () => {
    const limited = await startRig({ users: loadUsers(usersFile) });
    const body = '{"name":"vera","password":"wrong"}';
    const held = await Promise.all(Array.from({ length: 40 }, () => rawConnect(limited.url)));
    for (const c of held) c.write(`POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // Every handler is now waiting for its body: send them all.
    await new Promise((r) => setTimeout(r, 200));
    for (const c of held) c.write(body);
    const statuses = await Promise.all(held.map(async (c) => (await waitFor(() => parseAnswer(c.text()).status || null, 20_000, 'an answer')) as number));
    for (const c of held) c.socket.destroy();
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });
});

describe('sessions and logins per user', () => {
  it('a user logging in over and over evicts only their own sessions', async () => {
    const small = await startRig({ users: loadUsers(usersFile), limits: { maxSessions: 5, maxSessionsPerUser: 2, loginsPerUserPerMinute: 100 } });
    const as = async (name: string, password: string) => ((await (await fetch(`${small.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) })).json()) as { token: string }).token;
    const session = async (t: string) => (await fetch(`${small.url}/api/session`, { headers: bearer(t) })).status;
    const admin = await as('ada', 'ada-pass');
    const viewers: string[] = [];
    for (let i = 0; i < 10; i++) viewers.push(await as('vera', 'vera-pass'));
    expect(await session(admin)).toBe(200);
    expect(await Promise.all(viewers.map(session))).toEqual([...Array(8).fill(401), 200, 200]);
  });

  it('limits successful logins per user with 429 JSON, leaving other users alone', async () => {
    const small = await startRig({ users: loadUsers(usersFile), limits: { loginsPerUserPerMinute: 3 } });
    const as = (name: string, password: string) => fetch(`${small.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
    for (let i = 0; i < 3; i++) expect((await as('vera', 'vera-pass')).status).toBe(200);
    const refused = await as('vera', 'vera-pass');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'too_many', error: expect.stringContaining('vera') });
    expect((await as('ada', 'ada-pass')).status).toBe(200);
  });
});
