/**
 * Password hashing with node:crypto scrypt (RFC 7914). The parameters are stored with each
 * hash so they can be raised later without invalidating existing users. Verifying runs on
 * libuv's thread pool, a few at a time (`HASHES_AT_ONCE`), so a login storm neither blocks the
 * event loop nor takes every pool thread from file and DNS work.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';

export interface ScryptHash {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** block size */
  r: number;
  /** parallelism */
  p: number;
  /** base64 */
  salt: string;
  /** base64, KEY_LENGTH bytes */
  hash: string;
}

/** Node's defaults (N=2^14, r=8): about 16 MiB and tens of ms per verify, once per login. */
const DEFAULT_PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** A users file cannot make a login cost more than this (N=2^20, r=8 is 1 GiB). */
const MAX_MEMORY = 256 * 1024 * 1024;
export const MAX_PASSWORD_LENGTH = 1024;

/** One hash per core, at most the pool's default 4 threads minus one left for everything else. */
const HASHES_AT_ONCE = Math.max(1, Math.min(availableParallelism(), 3));

type ScryptParams = Pick<ScryptHash, 'N' | 'r' | 'p'>;
const scryptOptions = (params: ScryptParams) => ({ N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * params.p + 1024 * 1024 });

const waiting: (() => void)[] = [];
let running = 0;

/** scrypt on the thread pool, queued behind at most HASHES_AT_ONCE others. */
async function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  if (running >= HASHES_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise<Buffer>((resolve, reject) => scrypt(password, salt, KEY_LENGTH, scryptOptions(params), (err, key) => (err ? reject(err) : resolve(key))));
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashPassword(password: string): Promise<ScryptHash> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, DEFAULT_PARAMS);
  return { ...DEFAULT_PARAMS, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** One line saying why stored parameters are unusable, or null when they are sound. */
export function scryptProblem(h: ScryptHash): string | null {
  const powerOfTwo = Number.isInteger(h.N) && h.N >= 2 && (h.N & (h.N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(h.r) || h.r < 1 || !Number.isInteger(h.p) || h.p < 1) return 'scrypt N must be a power of two and r, p whole numbers of at least 1';
  if (128 * h.N * h.r * h.p > MAX_MEMORY) return `scrypt parameters need more than ${MAX_MEMORY / 1024 / 1024} MiB`;
  if (Buffer.from(h.hash, 'base64').length !== KEY_LENGTH) return `scrypt hash must be ${KEY_LENGTH} bytes of base64`;
  if (Buffer.from(h.salt, 'base64').length < SALT_LENGTH) return `scrypt salt must be at least ${SALT_LENGTH} bytes of base64`;
  return null;
}

/** Compares in constant time; the work does not depend on how much of the password is right. */
export async function verifyPassword(password: string, stored: ScryptHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return timingSafeEqual(actual, expected);
}

/** A hash no password matches, to spend the same work on a login for an unknown user. */
export const DECOY_HASH: ScryptHash = { ...DEFAULT_PARAMS, salt: randomBytes(SALT_LENGTH).toString('base64'), hash: randomBytes(KEY_LENGTH).toString('base64') };
