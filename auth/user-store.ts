/**
 * The users the hub logs people and devices in with, loaded from the users file and reloaded
 * when it changes. A login costs one scrypt on the thread pool, known user or not, unless the
 * same name and password were verified recently (login-cache.ts); any reload empties that cache.
 */
import { createLoginCache } from './login-cache.js';
import { DECOY_HASH, MAX_PASSWORD_LENGTH, verifyPassword } from './password.js';
import { type StoredUser, type User, readUsersFile, readUsersFileAsync } from './users-file.js';

export interface UserStore {
  readonly file: string;
  /** The user when the password is right, else null. */
  verify(name: string, password: string): Promise<User | null>;
  get(name: string): User | undefined;
  /** Sorted by name. */
  list(): User[];
  /**
   * What a user this store handed out (before any number of reloads) is now: its current role
   * and patterns while it exists with the password it logged in with, else null.
   */
  revalidate(user: User): User | null;
  /** Rereads the file. A bad file throws and leaves the current users in force. */
  reload(): Promise<void>;
  /** Calls `listener` after every successful reload, until the returned function is called. */
  onReload(listener: () => void): () => void;
}

/** Each user handed out, with the hash it was verified against: how revalidate tells a changed password. */
const issuedWith = new WeakMap<User, string>();

interface Entry {
  user: User;
  stored: StoredUser;
}

function index(users: StoredUser[]): Map<string, Entry> {
  return new Map(
    users.map((stored) => {
      const { scrypt, ...user } = stored;
      issuedWith.set(user, scrypt.hash);
      return [stored.name, { user, stored }];
    }),
  );
}

/** Loads the users file (once, at start-up: throws one line naming the file and the first problem). */
export function loadUsers(file: string): UserStore {
  let byName = index(readUsersFile(file));
  const cache = createLoginCache<User>();
  const listeners = new Set<() => void>();
  let reloading: Promise<void> = Promise.resolve();

  const revalidate = (user: User): User | null => {
    const entry = byName.get(user.name);
    return entry && issuedWith.get(user) === entry.stored.scrypt.hash ? entry.user : null;
  };

  return {
    file,
    async verify(name, password) {
      const cached = cache.get(name, password);
      if (cached) return cached;
      const entry = byName.get(name);
      const usable = entry !== undefined && password.length <= MAX_PASSWORD_LENGTH;
      const ok = await verifyPassword(usable ? password : '', usable ? entry.stored.scrypt : DECOY_HASH);
      if (!usable || !ok) return null;
      // The file may have been reloaded while scrypt ran: answer for the users now in force.
      const now = revalidate(entry.user);
      if (now) cache.set(name, password, now);
      return now;
    },
    get: (name) => byName.get(name)?.user,
    list: () => [...byName.values()].map((e) => e.user).sort((a, b) => a.name.localeCompare(b.name)),
    revalidate,
    reload() {
      // One at a time, so a slow read of an older version never lands after a newer one.
      const run = reloading.then(async () => {
        byName = index(await readUsersFileAsync(file));
        cache.clear();
        for (const listener of listeners) listener();
      });
      reloading = run.catch(() => undefined);
      return run;
    },
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
