/**
 * The users file: JSON `{"version":1,"users":[{"name","role","publish"?,"subscribe"?,"scrypt":{N,r,p,salt,hash}}]}`,
 * mode 0600. `addUsers`/`removeUser` rewrite it atomically, so the hub watching it never reads
 * half a file.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile as readFileAsync, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isDeviceId } from '../protocol/names.js';
import { MAX_PASSWORD_LENGTH, type ScryptHash, hashPassword, scryptProblem, verifyPassword } from './password.js';
import { type TopicPatterns, patternsProblem } from './topic-patterns.js';

export const ROLES = ['device', 'viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User extends TopicPatterns {
  name: string;
  role: Role;
}

/** A user to add or update, as the command line and an import file give it. */
export interface NewUser extends User {
  password: string;
}

export interface StoredUser extends User {
  scrypt: ScryptHash;
}

interface UsersFile {
  version: 1;
  users: StoredUser[];
}

export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
/** A users file is small; refusing a huge one keeps a wrong path from eating memory. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/** One line saying why a name cannot have this role, or null. Devices log in with their device id. */
export function userNameProblem(name: string, role: Role): string | null {
  if (role === 'device' && !isDeviceId(name)) return `device user '${name}' must be a device id (letters, digits, _ and -, at most 64, starting with a letter or digit)`;
  if (!USER_NAME_PATTERN.test(name)) return `user name '${name}' must be 1-64 letters, digits, _ . @ or -, starting with a letter or digit`;
  return null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The publish and subscribe patterns of an entry, checked; only the lists that have patterns. */
export function parsePatterns(entry: Record<string, unknown>, who: string): TopicPatterns {
  const out: TopicPatterns = {};
  for (const key of ['publish', 'subscribe'] as const) {
    const list = entry[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((p): p is string => typeof p === 'string')) throw new Error(`${who}: ${key} must be a list of topic patterns`);
    const problem = patternsProblem(list);
    if (problem) throw new Error(`${who}: ${key}: ${problem}`);
    if (list.length > 0) out[key] = list;
  }
  return out;
}

function parseUser(entry: unknown, i: number): StoredUser {
  if (!isObject(entry)) throw new Error(`users[${i}] is not an object`);
  const { name, role, scrypt } = entry;
  if (typeof name !== 'string') throw new Error(`users[${i}].name is not a string`);
  if (typeof role !== 'string' || !isRole(role)) throw new Error(`user '${name}' has role ${JSON.stringify(role)}, not one of ${ROLES.join(', ')}`);
  const nameProblem = userNameProblem(name, role);
  if (nameProblem) throw new Error(nameProblem);
  const patterns = parsePatterns(entry, `user '${name}'`);
  if (!isObject(scrypt)) throw new Error(`user '${name}' has no scrypt hash`);
  const { N, r, p, salt, hash } = scrypt;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number' || typeof salt !== 'string' || typeof hash !== 'string') {
    throw new Error(`user '${name}' has a scrypt hash without numeric N, r, p and string salt, hash`);
  }
  const h: ScryptHash = { N, r, p, salt, hash };
  const problem = scryptProblem(h);
  if (problem) throw new Error(`user '${name}': ${problem}`);
  return { name, role, ...patterns, scrypt: h };
}

function parseFile(text: string): UsersFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc) || doc.version !== 1 || !Array.isArray(doc.users)) throw new Error('expected {"version":1,"users":[...]}');
  const users = doc.users.map(parseUser);
  const seen = new Set<string>();
  for (const u of users) {
    if (seen.has(u.name)) throw new Error(`user '${u.name}' appears twice`);
    seen.add(u.name);
  }
  return { version: 1, users };
}

const fileError = (file: string, err: unknown): Error => {
  const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message;
  return new Error(`users file ${file}: ${reason}`);
};
const tooLarge = (): Error => new Error(`larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);

/** Reads and checks the whole file; throws one line naming the file and the first problem. */
export function readUsersFile(file: string): StoredUser[] {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw tooLarge();
    return parseFile(readFileSync(file, 'utf8')).users;
  } catch (err) {
    throw fileError(file, err);
  }
}

/** The same without blocking: the hub rereads the file while it serves. */
export async function readUsersFileAsync(file: string): Promise<StoredUser[]> {
  try {
    if ((await stat(file)).size > MAX_FILE_BYTES) throw tooLarge();
    return parseFile(await readFileAsync(file, 'utf8')).users;
  } catch (err) {
    throw fileError(file, err);
  }
}

/** Writes beside the target and renames, so a reader never sees half a file; the result is mode 0600. */
function writeUsersFile(file: string, users: StoredUser[]): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify({ version: 1, users }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** One line saying why this user cannot be added, or null. */
export function newUserProblem(u: NewUser): string | null {
  const problem = userNameProblem(u.name, u.role);
  if (problem) return problem;
  if (u.password.length === 0 || u.password.length > MAX_PASSWORD_LENGTH) return `password of '${u.name}' must be 1 to ${MAX_PASSWORD_LENGTH} characters`;
  for (const key of ['publish', 'subscribe'] as const) {
    const patterns = patternsProblem(u[key] ?? []);
    if (patterns) return `user '${u.name}': ${key}: ${patterns}`;
  }
  return null;
}

/** The user as stored: a pattern list only when it has patterns. */
const storable = ({ name, role, publish, subscribe }: User, scrypt: ScryptHash): StoredUser => ({
  name,
  role,
  ...(publish?.length ? { publish } : {}),
  ...(subscribe?.length ? { subscribe } : {}),
  scrypt,
});

/**
 * Adds the users, or replaces the role, patterns and password of those that exist, in one
 * atomic write; creates the file (0600) if missing. Checks every entry before writing anything.
 * A user whose password is unchanged keeps its hash, so a hub reloading the file keeps its
 * connections. Resolves with the names that were new.
 */
export async function addUsers(file: string, entries: readonly NewUser[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const u of entries) {
    const problem = newUserProblem(u);
    if (problem) throw new Error(problem);
    if (seen.has(u.name)) throw new Error(`user '${u.name}' is given twice`);
    seen.add(u.name);
  }
  const users = existsSync(file) ? readUsersFile(file) : [];
  const at = new Map(users.map((u, i) => [u.name, i]));
  const stored = await Promise.all(
    entries.map(async (u): Promise<StoredUser> => {
      const old = at.has(u.name) ? users[at.get(u.name) as number] : undefined;
      const keep = old !== undefined && (await verifyPassword(u.password, old.scrypt));
      return storable(u, keep ? old.scrypt : await hashPassword(u.password));
    }),
  );
  const added: string[] = [];
  for (const entry of stored) {
    const i = at.get(entry.name);
    if (i === undefined) {
      added.push(entry.name);
      users.push(entry);
    } else users[i] = entry;
  }
  writeUsersFile(file, users);
  return added;
}

/** Removes the user; false when there was no such user (or no file). */
export function removeUser(file: string, name: string): boolean {
  if (!existsSync(file)) return false;
  const users = readUsersFile(file);
  const kept = users.filter((u) => u.name !== name);
  if (kept.length === users.length) return false;
  writeUsersFile(file, kept);
  return true;
}
