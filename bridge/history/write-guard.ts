/** How history writes meet a database that refuses them: never wait on a lock, and name the failure. */
import type { Db } from '../../storage/database.js';

export type WriteFailureReason = 'locked' | 'full' | 'read_only' | 'io' | 'other';

export interface WriteFailure {
  reason: WriteFailureReason;
  /** For logs and health(): what is wrong and what the hub does about it. */
  message: string;
}

const EXPLAIN: Record<WriteFailureReason, string> = {
  locked: 'the database file is locked by another connection',
  full: 'the disk or the database is full',
  read_only: 'the database is read-only',
  io: 'the disk reported an I/O error',
  other: 'a history write failed',
};

/** Extended codes share their primary code's prefix (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, ...). */
const REASONS: readonly [string, WriteFailureReason][] = [
  ['SQLITE_BUSY', 'locked'],
  ['SQLITE_LOCKED', 'locked'],
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'io'],
];

/** Maps an error from better-sqlite3 (its SqliteError.code) to a reason. */
export function classifyWriteError(err: unknown): WriteFailure {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const reason = REASONS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? 'other';
  const detail = err instanceof Error ? err.message : String(err);
  return { reason, message: `${EXPLAIN[reason]} (${code || 'error'}: ${detail})` };
}

/**
 * Runs `write` with the connection's busy timeout at 0, then restores it. better-sqlite3 waits
 * for a lock synchronously, which would freeze every socket of the hub; the group commit
 * retries on a timer instead.
 */
export function withoutLockWait<T>(db: Db, write: () => T): T {
  const saved = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return write();
  } finally {
    db.pragma(`busy_timeout = ${saved}`);
  }
}
