/** The users file and store: scrypt hashes, atomic rewrites with mode 0600, patterns, reloads, and one clear line for each bad file. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewUser, addUsers, loadUsers, removeUser } from '../../auth/index.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetwire-users-'));
  file = join(dir, 'users.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const user = (name: string, role: NewUser['role'], password: string, patterns: Partial<NewUser> = {}): NewUser => ({ name, role, password, ...patterns });

describe('addUsers / removeUser / loadUsers', () => {
  it('creates the file with mode 0600, stores no password, and verifies logins', async () => {
    expect(await addUsers(file, [user('d1', 'device', 's3cret')])).toEqual(['d1']);
    await addUsers(file, [user('ann', 'viewer', 'pw-ann')]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text).users[0].scrypt).toMatchObject({ N: 16384, r: 8, p: 1 });

    const users = loadUsers(file);
    expect(users.list()).toEqual([
      { name: 'ann', role: 'viewer' },
      { name: 'd1', role: 'device' },
    ]);
    expect(await users.verify('d1', 's3cret')).toEqual({ name: 'd1', role: 'device' });
    expect(await users.verify('d1', 's3cret ')).toBeNull();
    expect(await users.verify('d1', '')).toBeNull();
    expect(await users.verify('nobody', 's3cret')).toBeNull();
    expect(await users.verify('d1', 'x'.repeat(5000))).toBeNull();
    expect(users.get('ann')).toEqual({ name: 'ann', role: 'viewer' });
    expect(users.get('nobody')).toBeUndefined();
  });

  it('replaces an existing user, and removes users', async () => {
    await addUsers(file, [user('ann', 'viewer', 'old')]);
    expect(await addUsers(file, [user('ann', 'admin', 'new')])).toEqual([]);
    const users = loadUsers(file);
    expect(users.list()).toEqual([{ name: 'ann', role: 'admin' }]);
    expect(await users.verify('ann', 'old')).toBeNull();
    expect(await users.verify('ann', 'new')).not.toBeNull();
    expect(removeUser(file, 'ann')).toBe(true);
    expect(removeUser(file, 'ann')).toBe(false);
    expect(loadUsers(file).list()).toEqual([]);
    expect(removeUser(join(dir, 'missing.json'), 'ann')).toBe(false);
  });

  it('stores topic patterns with a user and writes nothing when one entry is bad', async () => {
    await addUsers(file, [user('plug1', 'device', 'pw', { publish: ['tele/%u/#'], subscribe: ['cmnd/%u/#'] })]);
    await expect(addUsers(file, [user('ok', 'viewer', 'pw'), user('bad', 'viewer', 'pw', { publish: ['a/#/b'] })])).rejects.toThrow(/user 'bad': publish: pattern 'a\/#\/b' is not an MQTT filter/);
    await expect(addUsers(file, [user('twice', 'viewer', 'pw'), user('twice', 'admin', 'pw')])).rejects.toThrow(/user 'twice' is given twice/);
    expect(loadUsers(file).list()).toEqual([{ name: 'plug1', role: 'device', publish: ['tele/%u/#'], subscribe: ['cmnd/%u/#'] }]);
  });

  it('keeps the hash of a user whose password is unchanged, so its sessions survive a reload', async () => {
    await addUsers(file, [user('d1', 'device', 'same'), user('d2', 'device', 'before')]);
    const users = loadUsers(file);
    const d1 = await users.verify('d1', 'same');
    const d2 = await users.verify('d2', 'before');
    await addUsers(file, [user('d1', 'device', 'same', { publish: ['extra/%u'] }), user('d2', 'device', 'after')]);
    await users.reload();
    expect(d1 && users.revalidate(d1)).toEqual({ name: 'd1', role: 'device', publish: ['extra/%u'] });
    expect(d2 && users.revalidate(d2)).toBeNull();
    expect(await users.verify('d2', 'before')).toBeNull();
    expect(await users.verify('d2', 'after')).toMatchObject({ name: 'd2' });
  });

  it('answers with the users of the file as it is now, after any reload', async () => {
    await addUsers(file, [user('d1', 'device', 'pw1')]);
    const users = loadUsers(file);
    const reloads: number[] = [];
    const stop = users.onReload(() => reloads.push(users.list().length));
    expect(await users.verify('d1', 'pw1')).not.toBeNull();
    expect(await users.verify('d1', 'wrong')).toBeNull(); // a login verified before does not let another password in
    await addUsers(file, [user('d2', 'device', 'pw2')]);
    removeUser(file, 'd1');
    await users.reload();
    expect(await users.verify('d1', 'pw1')).toBeNull();
    expect(users.list().map((u) => u.name)).toEqual(['d2']);
    writeFileSync(file, '{"version":1,"users":[');
    await expect(users.reload()).rejects.toThrow(/users file .*: not valid JSON/);
    expect(await users.verify('d2', 'pw2')).toMatchObject({ name: 'd2' }); // the users loaded before stay in force
    stop();
    rmSync(file);
    await addUsers(file, [user('d3', 'device', 'pw3')]);
    await users.reload();
    expect(users.list().map((u) => u.name)).toEqual(['d3']);
    expect(reloads).toEqual([1]);
  });

  it.each([
    ['d/1', 'device', 'pw', /device user 'd\/1' must be a device id/],
    ['-x', 'viewer', 'pw', /user name '-x' must be/],
    ['ann', 'viewer', '', /password of 'ann' must be 1 to 1024 characters/],
  ] as const)('refuses to add %s as %s', async (name, role, password, message) => {
    await expect(addUsers(file, [user(name, role, password)])).rejects.toThrow(message);
  });

  it.each([
    ['not JSON', '{', /users file .*: not valid JSON/],
    ['the wrong shape', '{"users":{}}', /expected \{"version":1,"users":\[\.\.\.\]\}/],
    ['an unknown role', '{"version":1,"users":[{"name":"a","role":"root","scrypt":{}}]}', /user 'a' has role "root"/],
    ['a user twice', JSON.stringify({ version: 1, users: [0, 1].map(() => ({ name: 'a', role: 'admin', scrypt: { N: 16384, r: 8, p: 1, salt: Buffer.alloc(16).toString('base64'), hash: Buffer.alloc(32).toString('base64') } })) }), /user 'a' appears twice/],
    ['a costly hash', JSON.stringify({ version: 1, users: [{ name: 'a', role: 'admin', scrypt: { N: 2 ** 22, r: 8, p: 1, salt: Buffer.alloc(16).toString('base64'), hash: Buffer.alloc(32).toString('base64') } }] }), /more than 256 MiB/],
    ['a truncated hash', JSON.stringify({ version: 1, users: [{ name: 'a', role: 'admin', scrypt: { N: 16384, r: 8, p: 1, salt: Buffer.alloc(16).toString('base64'), hash: 'AAAA' } }] }), /hash must be 32 bytes/],
  ])('loadUsers names the problem in a file with %s', (_what, text, message) => {
    writeFileSync(file, text);
    expect(() => loadUsers(file)).toThrow(message);
  });

  it('loadUsers says when the file does not exist', () => {
    expect(() => loadUsers(join(dir, 'nope.json'))).toThrow(/users file .*nope\.json: does not exist/);
  });
});
