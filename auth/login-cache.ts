/**
 * Credentials verified recently, so a device that reconnects (a network blip, a fleet coming
 * back) costs an HMAC instead of a scrypt. Only successful logins are kept, as an HMAC-SHA256
 * of the password under a key made for this cache, never the password. A wrong password never
 * matches and goes on to scrypt and the failed-login limits. The owner clears the cache
 * whenever the users change. Trade-off, as in mosquitto-go-auth's cache: someone who can read
 * this process's memory could test guesses at HMAC speed against the users in it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Entries kept before the least recently used goes; one entry is about 200 bytes. */
export const LOGIN_CACHE_SIZE = 20_000;

export interface LoginCache<T> {
  /** The value stored for `name` when `password` is the one verified, else undefined. */
  get(name: string, password: string): T | undefined;
  set(name: string, password: string, value: T): void;
  clear(): void;
  readonly size: number;
}

export function createLoginCache<T>(capacity = LOGIN_CACHE_SIZE): LoginCache<T> {
  const key = randomBytes(32);
  /** Map order is use order: the first entry is the least recently used. */
  const entries = new Map<string, { digest: Buffer; value: T }>();
  const digestOf = (name: string, password: string): Buffer => createHmac('sha256', key).update(name).update('\u0000').update(password).digest();

  return {
    get(name, password) {
      const entry = entries.get(name);
      if (!entry || !timingSafeEqual(entry.digest, digestOf(name, password))) return undefined;
      entries.delete(name);
      entries.set(name, entry);
      return entry.value;
    },
    set(name, password, value) {
      entries.delete(name);
      entries.set(name, { digest: digestOf(name, password), value });
      if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
