/** The users file: scrypt hashes, atomic rewrites with mode 0600, and one clear line for each bad file. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser, loadUsers, removeUser } from '../../auth/index.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetwire-users-'));
  file = join(dir, 'users.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('addUser / removeUser / loadUsers', () => {
  it('creates the file with mode 0600, stores no password, and verifies logins', () => {
    addUser(file, 'd1', 'device', 's3cret');
    addUser(file, 'ann', 'viewer', 'pw-ann');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text).users[0].scrypt).toMatchObject({ N: 16384, r: 8, p: 1 });

    const users = loadUsers(file);
    expect(users.list()).toEqual([
      { name: 'ann', role: 'viewer' },
      { name: 'd1', role: 'device' },
    ]);
    expect(users.verify('d1', 's3cret')).toEqual({ name: 'd1', role: 'device' });
    expect(users.verify('d1', 's3cret ')).toBeNull();
    expect(users.verify('d1', '')).toBeNull();
    expect(users.verify('nobody', 's3cret')).toBeNull();
    expect(users.verify('d1', 'x'.repeat(5000))).toBeNull();
    expect(users.get('ann')).toEqual({ name: 'ann', role: 'viewer' });
    expect(users.get('nobody')).toBeUndefined();
  });

  it('replaces an existing user, and removes users', () => {
    addUser(file, 'ann', 'viewer', 'old');
    addUser(file, 'ann', 'admin', 'new');
    const users = loadUsers(file);
    expect(users.list()).toEqual([{ name: 'ann', role: 'admin' }]);
    expect(users.verify('ann', 'old')).toBeNull();
    expect(users.verify('ann', 'new')).not.toBeNull();
    expect(removeUser(file, 'ann')).toBe(true);
    expect(removeUser(file, 'ann')).toBe(false);
    expect(loadUsers(file).list()).toEqual([]);
    expect(removeUser(join(dir, 'missing.json'), 'ann')).toBe(false);
  });

  it.each([
    ['d/1', 'device', 'pw', /device user 'd\/1' must be a device id/],
    ['-x', 'viewer', 'pw', /user name '-x' must be/],
    ['ann', 'viewer', '', /password must be 1 to 1024 characters/],
  ] as const)('refuses to add %s as %s', (name, role, password, message) => {
    expect(() => addUser(file, name, role, password)).toThrow(message);
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
