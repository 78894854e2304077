/**
 * STOMP with a users file: the same access rules as every other transport (viewers read, admins
 * also send; device accounts are MQTT only; foreign origins refused), shown by CONNECT's login
 * and passcode, a bearer token in CONNECT, or the session cookie of the upgrade — and Spring's
 * point-to-point `/user/{name}/queue/{queue}`, which reaches that user's connections only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addUsers, loadUsers } from '../../../../auth/index.js';
import { waitFor } from '../../../support/wait.js';
import { type Rig, startRig, stopRigs } from '../../support/bridge-rig.js';
import { type StompLink, type StompOptions, stompConnect } from '../../support/stomp-client.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetwire-stomp-access-'));
const usersFile = join(dir, 'users.json');
await addUsers(usersFile, [
  { name: 'vera', role: 'viewer', password: 'vera-pass' },
  { name: 'ada', role: 'admin', password: 'ada-pass' },
  { name: 'bob', role: 'admin', password: 'bob-pass' },
  { name: 'd1', role: 'device', password: 'd1-pass' },
]);

let rig: Rig;
const links: StompLink[] = [];
beforeAll(async () => {
  rig = await startRig({ users: loadUsers(usersFile) });
  void rig.publish('devices/d1/status', '{"online":true}');
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});
afterAll(async () => {
  await stopRigs();
  rmSync(dir, { recursive: true, force: true });
});

async function as(login: string, passcode: string, opts: StompOptions = {}): Promise<StompLink> {
  const l = await stompConnect(rig.url, { ...opts, connectHeaders: { login, passcode, ...opts.connectHeaders } });
  links.push(l);
  return l;
}
async function token(name: string, password: string): Promise<string> {
  const res = await fetch(`${rig.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  return ((await res.json()) as { token: string }).token;
}
const connectError = (opts: StompOptions): Promise<string> =>
  stompConnect(rig.url, opts).then(
    (l) => {
      links.push(l);
      return 'connected';
    },
    (err: Error) => err.message,
  );

describe('STOMP access', () => {
  it('logs in with login and passcode; a wrong one, none, or a device account gets an ERROR', async () => {
    const vera = await as('vera', 'vera-pass');
    expect(vera.connected.headers['user-name']).toBe('vera');
    expect(await connectError({ connectHeaders: { login: 'vera', passcode: 'nope' } })).toBe('wrong name or password');
    expect(await connectError({})).toContain('log in first');
    expect(await connectError({ connectHeaders: { login: 'd1', passcode: 'd1-pass' } })).toContain('device accounts');
  });

  it('takes a bearer token in CONNECT, or the session cookie or bearer token of the upgrade', async () => {
    const t = await token('ada', 'ada-pass');
    const viaHeader = await stompConnect(rig.url, { connectHeaders: { Authorization: `Bearer ${t}` } });
    const viaCookie = await stompConnect(rig.url, { headers: { cookie: `fleetwire_session=${t}` } });
    const viaUpgrade = await stompConnect(rig.url, { headers: { authorization: `Bearer ${t}` } });
    links.push(viaHeader, viaCookie, viaUpgrade);
    for (const l of [viaHeader, viaCookie, viaUpgrade]) expect(l.connected.headers['user-name']).toBe('ada');
    expect(await connectError({ connectHeaders: { Authorization: 'Bearer not-a-session' } })).toContain('not a live session');
  });

  it('refuses a foreign origin at the upgrade', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${rig.url.replace(/^http/, 'ws')}/stomp`, ['v12.stomp'], { headers: { origin: 'https://evil.example' } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('opened')));
    });
    expect(status).toBe(403);
  });

  it('lets a viewer read but not send: commands, broadcasts and user queues need an admin', async () => {
    const got = await (await as('vera', 'vera-pass')).subscribe('/topic/devices/+/status');
    void rig.publish('devices/d1/status', '{"online":true,"fw":"2"}');
    await waitFor(() => got.length === 1, 5000, 'a status');
    for (const [destination, body] of [
      ['/app/devices/d1/commands/led', '{"state":"on"}'],
      ['/topic/chat/room', 'hi'],
      ['/user/ada/queue/chat', 'hi'],
    ]) {
      const vera = await as('vera', 'vera-pass');
      await expect(vera.send(destination as string, body as string)).rejects.toThrow(/admin|may not publish/);
    }
    expect(rig.published.filter((p) => p.topic !== 'devices/d1/status')).toEqual([]);
  });

  it('delivers a SEND to /user/{name}/queue/{queue} to every connection of that user subscribed to /user/queue/{queue}, and no one else', async () => {
    const [bob1, bob2, bobOther, ada, vera] = [await as('bob', 'bob-pass'), await as('bob', 'bob-pass'), await as('bob', 'bob-pass'), await as('ada', 'ada-pass'), await as('vera', 'vera-pass')];
    const [at1, at2, atOther, atAda, atVera] = [
      await bob1.subscribe('/user/queue/chat'),
      await bob2.subscribe('/user/queue/chat'),
      await bobOther.subscribe('/user/queue/news'),
      await ada.subscribe('/user/queue/chat'),
      await vera.subscribe('/user/queue/chat'),
    ];
    const receipt = await ada.send('/user/bob/queue/chat', '{"text":"hi bob"}', { 'content-type': 'application/json' });
    expect(receipt.headers.delivered).toBe('2');
    await waitFor(() => at1.length === 1 && at2.length === 1, 5000, 'both of bob');
    expect(at1[0]!.body).toBe('{"text":"hi bob"}');
    expect(at1[0]!.headers).toMatchObject({ destination: '/user/queue/chat', sender: 'ada', 'content-type': 'application/json' });
    // A round trip on every other connection: had anything been sent to them, it would be here.
    await Promise.all([bobOther, ada, vera].map((l) => l.subscribe('/topic/barrier')));
    expect([atOther, atAda, atVera].map((list) => list.length)).toEqual([0, 0, 0]);
    expect((await ada.send('/user/nobody/queue/chat', 'x')).headers.delivered).toBe('0');
  });

  it('refuses the hub-owned commands queue as a SEND target', async () => {
    const ada = await as('ada', 'ada-pass');
    await expect(ada.send('/user/bob/queue/commands', 'x')).rejects.toThrow('the commands queue');
  });
});

describe('SockJS access', () => {
  const sockjs = (path: string, init: RequestInit = {}) => fetch(`${rig.url}/sockjs${path}`, init);

  it('refuses a foreign origin before sockjs answers (it would allow any origin with credentials)', async () => {
    const res = await sockjs('/info', { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await sockjs('/info')).status).toBe(200);
  });

  it('serves only the websocket, xhr and eventsource transports', async () => {
    expect((await sockjs('/000/abcdefgh/jsonp?c=x')).status).toBe(404);
    expect((await sockjs('/000/abcdefgh/htmlfile?c=x')).status).toBe(404);
    expect((await sockjs('/iframe.html')).status).toBe(404);
  });

  it('bounds request bodies, and keeps a session to the login that opened it', async () => {
    const [ada, bob] = [await token('ada', 'ada-pass'), await token('bob', 'bob-pass')];
    const as = (t: string, body?: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'text/plain' }, body });
    const open = await sockjs('/000/session1/xhr', as(ada));
    expect(await open.text()).toBe('o\n');
    expect((await sockjs('/000/session1/xhr_send', as(bob, '["CONNECT\\n\\n\\u0000"]'))).status).toBe(403);
    expect((await sockjs('/000/session1/xhr_send', as(ada, `["${'x'.repeat(200_000)}"]`))).status).toBe(413);
    expect((await sockjs('/000/session1/xhr_send', as(ada, '["CONNECT\\naccept-version:1.2\\n\\n\\u0000"]'))).status).toBe(204);
    const connected = await (await sockjs('/000/session1/xhr', as(ada))).text();
    expect(connected).toContain('CONNECTED');
    expect(connected).toContain('user-name:ada');
  });
});
