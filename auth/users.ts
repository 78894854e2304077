/**
 * The users file: JSON `{"version":1,"users":[{"name","role","scrypt":{N,r,p,salt,hash}}]}`,
 * mode 0600. Loaded once into a UserStore; `addUser`/`removeUser` rewrite it atomically.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeviceId } from '../protocol/names.js';
import { DECOY_HASH, MAX_PASSWORD_LENGTH, type ScryptHash, hashPassword, scryptProblem, verifyPassword } from './password.js';

export const ROLES = ['device', 'viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  name: string;
  role: Role;
}

export interface UserStore {
  /** The user when the password is right, else null. Costs one scrypt either way, known user or not. */
  verify(name: string, password: string): User | null;
  get(name: string): User | undefined;
  /** Sorted by name. */
  list(): User[];
}

interface StoredUser extends User {
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseUser(entry: unknown, i: number): StoredUser {
  if (!isObject(entry)) throw new Error(`users[${i}] is not an object`);
  const { name, role, scrypt } = entry;
  if (typeof name !== 'string') throw new Error(`users[${i}].name is not a string`);
  if (typeof role !== 'string' || !isRole(role)) throw new Error(`user '${name}' has role ${JSON.stringify(role)}, not one of ${ROLES.join(', ')}`);
  const nameProblem = userNameProblem(name, role);
  if (nameProblem) throw new Error(nameProblem);
  if (!isObject(scrypt)) throw new Error(`user '${name}' has no scrypt hash`);
  const { N, r, p, salt, hash } = scrypt;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number' || typeof salt !== 'string' || typeof hash !== 'string') {
    throw new Error(`user '${name}' has a scrypt hash without numeric N, r, p and string salt, hash`);
  }
  const h: ScryptHash = { N, r, p, salt, hash };
  const problem = scryptProblem(h);
  if (problem) throw new Error(`user '${name}': ${problem}`);
  return { name, role, scrypt: h };
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

function readFile(file: string): UsersFile {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    return parseFile(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message;
    throw new Error(`users file ${file}: ${reason}`);
  }
}

/** Writes beside the target and renames, so a reader never sees half a file; the result is mode 0600. */
function writeFile(file: string, doc: UsersFile): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

const publicUser = (u: StoredUser): User => ({ name: u.name, role: u.role });

/** Loads and checks the whole file; throws one line naming the file and the first problem. */
export function loadUsers(file: string): UserStore {
  const byName = new Map(readFile(file).users.map((u) => [u.name, u]));
  return {
    verify(name, password) {
      const user = byName.get(name);
      const usable = user !== undefined && password.length <= MAX_PASSWORD_LENGTH;
      const ok = verifyPassword(usable ? password : '', usable ? user.scrypt : DECOY_HASH);
      return usable && ok ? publicUser(user) : null;
    },
    get(name) {
      const user = byName.get(name);
      return user && publicUser(user);
    },
    list() {
      return [...byName.values()].map(publicUser).sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/** Adds the user, or replaces its role and password when the name exists. Creates the file (0600) if missing. */
export function addUser(file: string, name: string, role: Role, password: string): void {
  const problem = userNameProblem(name, role);
  if (problem) throw new Error(problem);
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) throw new Error(`password must be 1 to ${MAX_PASSWORD_LENGTH} characters`);
  const doc: UsersFile = existsSync(file) ? readFile(file) : { version: 1, users: [] };
  const entry: StoredUser = { name, role, scrypt: hashPassword(password) };
  const at = doc.users.findIndex((u) => u.name === name);
  if (at === -1) doc.users.push(entry);
  else doc.users[at] = entry;
  writeFile(file, doc);
}

/** Removes the user; false when there was no such user (or no file). */
export function removeUser(file: string, name: string): boolean {
  if (!existsSync(file)) return false;
  const doc = readFile(file);
  const users = doc.users.filter((u) => u.name !== name);
  if (users.length === doc.users.length) return false;
  writeFile(file, { version: 1, users });
  return true;
}
