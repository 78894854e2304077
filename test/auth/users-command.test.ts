/** `fleetwire users add|import|remove|list` in a child process, with flags, environment variables and a password on stdin. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadUsers } from '../../auth/index.js';

const ENTRY = fileURLToPath(new URL('./fixtures/users-cli.ts', import.meta.url));

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetwire-users-cli-'));
  file = join(dir, 'users.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function users(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, FLEETWIRE_USERS_FILE: undefined, FLEETWIRE_PASSWORD: undefined, FLEETWIRE_USER_ROLE: undefined, ...opts.env };
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'users', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(opts.stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fleetwire users', () => {
  it('adds users from a flag, the environment or stdin, lists and removes them', async () => {
    expect(await users(['add', 'd1', '--role', 'device', '--password', 'pw1', '--users-file', file])).toMatchObject({ code: 0, stdout: `added device 'd1' in ${file}\n` });
    expect((await users(['add', 'ann', '--role', 'viewer'], { env: { FLEETWIRE_USERS_FILE: file, FLEETWIRE_PASSWORD: 'pw2' } })).code).toBe(0);
    const prompted = await users(['add', 'root', '--users-file', file], { env: { FLEETWIRE_USER_ROLE: 'admin' }, stdin: 'pw3\n' });
    expect(prompted).toMatchObject({ code: 0, stderr: 'password: ' });

    const store = loadUsers(file);
    expect((await store.verify('d1', 'pw1'))?.role).toBe('device');
    expect((await store.verify('ann', 'pw2'))?.role).toBe('viewer');
    expect((await store.verify('root', 'pw3'))?.role).toBe('admin');

    const listed = await users(['list', '--users-file', file]);
    expect(listed.stdout).toBe('NAME  ROLE    PATTERNS\nann   viewer\nd1    device\nroot  admin\n');

    expect(await users(['remove', 'ann', '--users-file', file])).toMatchObject({ code: 0, stdout: `removed 'ann' from ${file}\n` });
    expect(await users(['remove', 'ann', '--users-file', file])).toMatchObject({ code: 1, stderr: `error: no user 'ann' in ${file}\n` });
    expect(loadUsers(file).list().map((u) => u.name)).toEqual(['d1', 'root']);
  }, 60_000);

  it('explains bad input in one line and a non-zero exit', async () => {
    const badRole = await users(['add', 'x', '--role', 'root', '--password', 'p', '--users-file', file]);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/--role <role>.*'root' is invalid. Allowed choices are device, viewer, admin/);
    const badName = await users(['add', 'a/b', '--role', 'device', '--password', 'p', '--users-file', file]);
    expect(badName).toMatchObject({ code: 1 });
    expect(badName.stderr).toMatch(/^error: device user 'a\/b' must be a device id/);
    expect(await users(['list', '--users-file', file])).toMatchObject({ code: 0, stdout: `no users in ${file}\n` });
  }, 60_000);

  it('adds many names at once, each with a generated password and the same patterns', async () => {
    const run = await users(['add', 'plug1', 'plug2', '--role', 'device', '--generate-passwords', '--publish', 'tele/%u/#', '--subscribe', 'cmnd/%u/#', '--users-file', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`added device 'plug1' in ${file}\nadded device 'plug2' in ${file}\n`);
    const lines = run.stdout.trim().split('\n').map((l) => l.split(','));
    expect(lines.map(([name]) => name)).toEqual(['plug1', 'plug2']);
    const store = loadUsers(file);
    for (const [name = '', password = ''] of lines) {
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(await store.verify(name, password)).toEqual({ name, role: 'device', publish: ['tele/%u/#'], subscribe: ['cmnd/%u/#'] });
    }
    expect((await users(['list', '--users-file', file])).stdout).toBe('NAME   ROLE    PATTERNS\nplug1  device  publish tele/%u/#, subscribe cmnd/%u/#\nplug2  device  publish tele/%u/#, subscribe cmnd/%u/#\n');
  }, 60_000);

  it('imports a CSV or JSON file all or nothing', async () => {
    const csv = join(dir, 'fleet.csv');
    writeFileSync(csv, 'name,role,password,publish\nplug1,device,pw1,tele/%u/#\nann,viewer,pw2,\n');
    expect(await users(['import', csv, '--users-file', file])).toMatchObject({ code: 0, stdout: `imported 2 users into ${file}: 2 added, 0 updated\n` });
    const json = join(dir, 'more.json');
    writeFileSync(json, JSON.stringify([{ name: 'ann', role: 'admin', password: 'pw3' }, { name: 'd9', role: 'device', password: 'pw9' }]));
    expect(await users(['import', json, '--users-file', file])).toMatchObject({ code: 0, stdout: `imported 2 users into ${file}: 1 added, 1 updated\n` });
    const store = loadUsers(file);
    expect(await store.verify('plug1', 'pw1')).toEqual({ name: 'plug1', role: 'device', publish: ['tele/%u/#'] });
    expect(await store.verify('ann', 'pw3')).toEqual({ name: 'ann', role: 'admin' });

    writeFileSync(csv, 'name,role,password\nnew1,device,pw\nbad/2,device,pw\n');
    const bad = await users(['import', csv, '--users-file', file]);
    expect(bad).toMatchObject({ code: 1, stderr: `error: ${csv}: line 3: device user 'bad/2' must be a device id (letters, digits, _ and -, at most 64, starting with a letter or digit)\n` });
    expect(loadUsers(file).list().map((u) => u.name)).toEqual(['ann', 'd9', 'plug1']);
  }, 60_000);
});
