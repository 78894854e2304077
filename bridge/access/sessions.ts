/**
 * Login sessions: an unguessable token (256 random bits) per login, bounded in number and
 * lifetime, in total and per user. The same token serves as cookie, bearer token and
 * `access_token`.
 *
 * With a database the sessions live in SQLite (part `sessions`), so a hub restart logs no one
 * out. Only a SHA-256 of each token is stored: a copy of the file opens no session. A session
 * ends at its expiry, at logout (revoked at once), or when its user is no longer in the users
 * file or has another role: the user is looked up on every use, not trusted from the row.
 *
 * Eviction goes per user first: a user at their own cap loses their own oldest session, and
 * when the table is full the user holding the most sessions loses their oldest, so logging in
 * over and over as one account never pushes anyone else out.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../../auth/index.js';
import { type Db, migrate } from '../../storage/database.js';

interface Session {
  user: User;
  /** ms since epoch */
  expires: number;
}

export interface SessionLimits {
  /** Sessions at once. */
  max: number;
  /** Sessions one user holds at once. */
  maxPerUser: number;
  /** ms a session lasts. */
  ttlMs: number;
}

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE access_sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX access_sessions_by_user ON access_sessions (user, created);
  CREATE INDEX access_sessions_by_expires ON access_sessions (expires);
  `,
];

const hashOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Where sessions are kept: in memory, or in SQLite with the same behaviour. */
interface SessionBackend {
  put(hash: string, s: Session, created: number): void;
  get(hash: string): Session | undefined;
  delete(hash: string): void;
  /** Drops the sessions expired at `now`. */
  expire(now: number): void;
  count(): number;
  countOf(user: string): number;
  /** The user holding the most sessions, undefined when there are none. */
  largest(): string | undefined;
  dropOldestOf(user: string): void;
}

function memoryBackend(): SessionBackend {
  const byHash = new Map<string, Session>();
  /** user name → that user's token hashes, oldest first */
  const byUser = new Map<string, Set<string>>();
  const remove = (hash: string): void => {
    const s = byHash.get(hash);
    if (!s) return;
    byHash.delete(hash);
    const own = byUser.get(s.user.name);
    own?.delete(hash);
    if (own?.size === 0) byUser.delete(s.user.name);
  };
  return {
    put(hash, s) {
      byHash.set(hash, s);
      byUser.set(s.user.name, (byUser.get(s.user.name) ?? new Set()).add(hash));
    },
    get: (hash) => byHash.get(hash),
    delete: remove,
    expire(now) {
      for (const [hash, s] of byHash) if (s.expires <= now) remove(hash);
    },
    count: () => byHash.size,
    countOf: (user) => byUser.get(user)?.size ?? 0,
    largest() {
      let most: string | undefined;
      let size = 0;
      for (const [user, own] of byUser) if (own.size > size) [most, size] = [user, own.size];
      return most;
    },
    dropOldestOf(user) {
      const oldest = byUser.get(user)?.values().next();
      if (oldest && !oldest.done) remove(oldest.value);
    },
  };
}

function sqliteBackend(db: Db): SessionBackend {
  migrate(db, 'sessions', MIGRATIONS);
  const insert = db.prepare('INSERT INTO access_sessions (token_hash, user, role, created, expires) VALUES (?, ?, ?, ?, ?)');
  const read = db.prepare('SELECT user, role, expires FROM access_sessions WHERE token_hash = ?');
  const remove = db.prepare('DELETE FROM access_sessions WHERE token_hash = ?');
  const expire = db.prepare('DELETE FROM access_sessions WHERE expires <= ?');
  const count = db.prepare('SELECT count(*) FROM access_sessions').pluck();
  const countOf = db.prepare('SELECT count(*) FROM access_sessions WHERE user = ?').pluck();
  const largest = db.prepare('SELECT user FROM access_sessions GROUP BY user ORDER BY count(*) DESC LIMIT 1').pluck();
  const dropOldestOf = db.prepare('DELETE FROM access_sessions WHERE token_hash = (SELECT token_hash FROM access_sessions WHERE user = ? ORDER BY created LIMIT 1)');
  return {
    put: (hash, s, created) => void insert.run(hash, s.user.name, s.user.role, created, s.expires),
    get(hash) {
      const row = read.get(hash) as { user: string; role: User['role']; expires: number } | undefined;
      return row && { user: { name: row.user, role: row.role }, expires: row.expires };
    },
    delete: (hash) => void remove.run(hash),
    expire: (now) => void expire.run(now),
    count: () => count.get() as number,
    countOf: (user) => countOf.get(user) as number,
    largest: () => largest.get() as string | undefined,
    dropOldestOf: (user) => void dropOldestOf.run(user),
  };
}

export class Sessions {
  private readonly backend: SessionBackend;
  private readonly current: ((name: string) => User | undefined) | undefined;
  /** The last creation stamp given: stamps strictly increase, so "oldest" is exact within a millisecond. */
  private lastCreated = 0;

  /**
   * `db`: keep sessions in SQLite across restarts (else in memory). `current(name)`: the user
   * as the users file has them now; a session whose user is gone or changed role ends.
   */
  constructor(
    private readonly limits: SessionLimits,
    opts: { db?: Db; current?: (name: string) => User | undefined } = {},
  ) {
    this.backend = opts.db ? sqliteBackend(opts.db) : memoryBackend();
    this.current = opts.current;
  }

  /** A new token for `user`, making room as the module comment says. */
  create(user: User): string {
    const now = Date.now();
    this.backend.expire(now);
    if (this.backend.countOf(user.name) >= this.limits.maxPerUser) this.backend.dropOldestOf(user.name);
    else if (this.backend.count() >= this.limits.max) {
      const most = this.backend.largest();
      if (most !== undefined) this.backend.dropOldestOf(most);
    }
    const token = randomBytes(32).toString('base64url');
    this.lastCreated = Math.max(now, this.lastCreated + 1);
    this.backend.put(hashOf(token), { user, expires: now + this.limits.ttlMs }, this.lastCreated);
    return token;
  }

  /** The user of a live session, undefined for an unknown, expired or revoked token. */
  user(token: string): User | undefined {
    const hash = hashOf(token);
    const session = this.backend.get(hash);
    if (!session) return undefined;
    // The user as the users file has them now (the store's own object, which access.current checks).
    const now = this.current ? this.current(session.user.name) : session.user;
    if (session.expires > Date.now() && now !== undefined && now.role === session.user.role) return now;
    this.backend.delete(hash);
    return undefined;
  }

  /** Revokes the session at once. */
  delete(token: string): void {
    this.backend.delete(hashOf(token));
  }

  get ttlSeconds(): number {
    return Math.floor(this.limits.ttlMs / 1000);
  }
}
