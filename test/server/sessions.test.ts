/**
 * Login sessions kept in SQLite: a hub restart logs no one out, logout revokes at once, and
 * a session ends when it expires or its user leaves the users file or changes role. Only a
 * hash of each token is on disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addUsers, removeUser } from '../../auth/index.js';
import { Sessions } from '../../bridge/access/sessions.js';
import { openDatabase } from '../../storage/database.js';
import { startHub, stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);

const login = async (url: string, name: string, password: string): Promise<string> => {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
};
const status = async (url: string, token: string): Promise<number> => (await fetch(`${url}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).status;

describe('sessions', () => {
  it('survive a hub restart; logout revokes them', async () => {
    const dir = tempDir();
    const usersFile = join(dir, 'users.json');
    await addUsers(usersFile, [{ name: 'ada', role: 'admin', password: 'ada-pass' }]);
    let hub = await startHub({ dataDir: dir, usersFile });
    const ada = await login(hub.httpUrl, 'ada', 'ada-pass');
    const other = await login(hub.httpUrl, 'ada', 'ada-pass');
    expect(await status(hub.httpUrl, ada)).toBe(200);
    await hub.close();
    expect(readFileSync(join(dir, 'fleetwire.db')).includes(Buffer.from(ada))).toBe(false);

    hub = await startHub({ dataDir: dir, usersFile });
    expect(await status(hub.httpUrl, ada)).toBe(200);
    const out = await fetch(`${hub.httpUrl}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${ada}` } });
    expect(out.status).toBeLessThan(300);
    expect(await status(hub.httpUrl, ada)).toBe(401);
    expect(await status(hub.httpUrl, other)).toBe(200);
    await hub.close();
    hub = await startHub({ dataDir: dir, usersFile });
    expect(await status(hub.httpUrl, ada)).toBe(401);
    expect(await status(hub.httpUrl, 'made-up-token')).toBe(401);
  });

  it('end when the user is removed from the users file or changes role', async () => {
    const dir = tempDir();
    const usersFile = join(dir, 'users.json');
    await addUsers(usersFile, [{ name: 'vera', role: 'viewer', password: 'pw-vera' }]);
    await addUsers(usersFile, [{ name: 'bob', role: 'viewer', password: 'pw-bob' }]);
    let hub = await startHub({ dataDir: dir, usersFile });
    const vera = await login(hub.httpUrl, 'vera', 'pw-vera');
    const bob = await login(hub.httpUrl, 'bob', 'pw-bob');
    await hub.close();
    removeUser(usersFile, 'vera');
    removeUser(usersFile, 'bob');
    await addUsers(usersFile, [{ name: 'bob', role: 'admin', password: 'pw-bob' }]);
    hub = await startHub({ dataDir: dir, usersFile });
    expect(await status(hub.httpUrl, vera)).toBe(401);
    expect(await status(hub.httpUrl, bob)).toBe(401);
  });

  it('expire, and keep at most the limit, oldest dropped first', async () => {
    const db = openDatabase(join(tempDir(), 's.db'));
    const users = { get: (name: string) => ({ name, role: 'viewer' as const }) };
    const short = new Sessions({ max: 10, maxPerUser: 10, ttlMs: 30 }, { db, current: users.get });
    const t = short.create({ name: 'a', role: 'viewer' });
    expect(short.user(t)?.name).toBe('a');
    await waitFor(() => short.user(t) === undefined, 5_000, 'expiry');
    const few = new Sessions({ max: 2, maxPerUser: 2, ttlMs: 60_000 }, { db, current: users.get });
    const [first, second, third] = [few.create({ name: 'x', role: 'viewer' }), few.create({ name: 'y', role: 'viewer' }), few.create({ name: 'z', role: 'viewer' })];
    expect([few.user(first), few.user(second)?.name, few.user(third)?.name]).toEqual([undefined, 'y', 'z']);
    db.close();
  });
});
