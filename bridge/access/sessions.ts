/**
 * Login sessions: an unguessable token (256 random bits) per login, bounded in number and
 * lifetime. The same token serves as cookie, bearer token and `access_token`.
 *
 * With a database the sessions live in SQLite (part `sessions`), so a hub restart logs no one
 * out. Only a SHA-256 of each token is stored: a copy of the file opens no session. A session
 * ends at its expiry, at logout (revoked at once), or when its user is no longer in the users
 * file or has another role: the user is looked up on every use, not trusted from the row.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../../auth/index.js';
import { type Db, migrate } from '../../storage/database.js';

interface Session {
  user: User;
  /** ms since epoch */
  expires: number;
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
  CREATE INDEX access_sessions_by_created ON access_sessions (created);
  CREATE INDEX access_sessions_by_expires ON access_sessions (expires);
  `,
];

const hashOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Where sessions are kept: in memory, or in SQLite with the same behaviour. */
interface SessionBackend {
  put(hash: string, s: Session, created: number): void;
  get(hash: string): Session | undefined;
  delete(hash: string): void;
  /** Drops expired sessions, then the oldest beyond `max`. */
  trim(max: number, now: number): void;
}

function memoryBackend(): SessionBackend {
  const byHash = new Map<string, Session>();
  return {
    put: (hash, s) => void byHash.set(hash, s),
    get: (hash) => byHash.get(hash),
    delete: (hash) => void byHash.delete(hash),
    trim(max, now) {
      for (const [hash, s] of byHash) if (s.expires <= now) byHash.delete(hash);
      for (const old of byHash.keys()) {
        if (byHash.size <= max) break;
        byHash.delete(old);
      }
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
  const dropOldest = db.prepare('DELETE FROM access_sessions WHERE token_hash IN (SELECT token_hash FROM access_sessions ORDER BY created LIMIT ?)');
  return {
    put: (hash, s, created) => void insert.run(hash, s.user.name, s.user.role, created, s.expires),
    get(hash) {
      const row = read.get(hash) as { user: string; role: User['role']; expires: number } | undefined;
      return row && { user: { name: row.user, role: row.role }, expires: row.expires };
    },
    delete: (hash) => void remove.run(hash),
    trim(max, now) {
      expire.run(now);
      const over = (count.get() as number) - max;
      if (over > 0) dropOldest.run(over);
    },
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
    private readonly max: number,
    private readonly ttlMs: number,
    opts: { db?: Db; current?: (name: string) => User | undefined } = {},
  ) {
    this.backend = opts.db ? sqliteBackend(opts.db) : memoryBackend();
    this.current = opts.current;
  }

  /** A new token for `user`; expired sessions go, then the oldest while more than `max` are held. */
  create(user: User): string {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.lastCreated = Math.max(now, this.lastCreated + 1);
    this.backend.put(hashOf(token), { user, expires: now + this.ttlMs }, this.lastCreated);
    this.backend.trim(this.max, now);
    return token;
  }

  /** The user of a live session, undefined for an unknown, expired or revoked token. */
  user(token: string): User | undefined {
    const hash = hashOf(token);
    const session = this.backend.get(hash);
    if (!session) return undefined;
    const now = this.current ? this.current(session.user.name) : session.user;
    if (session.expires > Date.now() && now !== undefined && now.role === session.user.role) return session.user;
    this.backend.delete(hash);
    return undefined;
  }

  /** Revokes the session at once. */
  delete(token: string): void {
    this.backend.delete(hashOf(token));
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}
