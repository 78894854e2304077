/**
 * The one SQLite file fleetwire keeps (./data/fleetwire.db). The broker's persistence and the
 * history store share a connection: in one process better-sqlite3 runs every statement
 * synchronously, so their transactions can never interleave.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export interface OpenOptions {
  /** Open read-only (no migrations run). */
  readonly?: boolean;
  /** ms to wait for a lock held by another process before SQLITE_BUSY; 0 fails at once. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) the database file with WAL and the pragmas every part relies on. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:' && !opts.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 2000}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or
    // power cut can lose the last transactions. https://sqlite.org/pragma.html#pragma_synchronous
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  }
  return db;
}

/**
 * Applies each part's migrations in order, once, recording the version per part in
 * `schema_version`. A migration is SQL text; index i takes the part to version i + 1.
 */
export function migrate(db: Db, part: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version WHERE part = ?').get(part) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    throw new Error(`database ${part} schema is version ${current}, newer than this fleetwire knows (${migrations.length})`);
  }
  const apply = db.transaction((from: number) => {
    for (let v = from; v < migrations.length; v++) db.exec(migrations[v] as string);
    db.prepare('INSERT INTO schema_version (part, version) VALUES (?, ?) ON CONFLICT(part) DO UPDATE SET version = excluded.version').run(part, migrations.length);
  });
  if (current < migrations.length) apply(current);
}
