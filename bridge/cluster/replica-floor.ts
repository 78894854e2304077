/**
 * A cluster node's store is a replica of the stream. It can miss a stretch of it: the stream
 * was trimmed while the node was away, or the node was killed and its store, to never reuse a
 * seq, continues above seqs the cluster had meanwhile given to messages. The floor is the top
 * of the highest such stretch; resume points below it get `reset` (CONTRACT.md) instead of a
 * silent gap. Kept in the node's own SQLite file, so the hole is remembered across restarts.
 */
import type { Logger } from 'pino';
import { type Db, migrate } from '../../storage/database.js';
import type { HistoryStore } from '../history/store.js';

const MIGRATIONS = ['CREATE TABLE cluster_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)'];

export interface ReplicaFloor {
  /** Messages up to this seq may be missing here; 0 when none are. */
  get(): number;
  /** Records that messages up to `seq` may be missing (a lower seq changes nothing). */
  raise(seq: number, why: string): void;
}

export function openReplicaFloor(db: Db, logger: Logger): ReplicaFloor {
  migrate(db, 'cluster', MIGRATIONS);
  const read = db.prepare("SELECT value FROM cluster_meta WHERE key = 'floor'").pluck();
  const write = db.prepare("INSERT INTO cluster_meta (key, value) VALUES ('floor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  let floor = (read.get() as number | undefined) ?? 0;
  return {
    get: () => floor,
    raise(seq, why) {
      if (seq <= floor) return;
      floor = seq;
      write.run(seq);
      logger.warn({ floor: seq, why }, 'this node lacks cluster messages up to this seq: resumes from before it get reset');
    },
  };
}

/**
 * The highest seq the store really holds (its lastSeq() may run ahead after a crash). Binary
 * search over one-row reads: about log2(lastSeq) tiny queries, once at start.
 */
export function highestStoredSeq(store: Pick<HistoryStore, 'messagesAfter' | 'lastSeq'>): number {
  let lo = 0;
  let hi = store.lastSeq();
  // Invariant: a message above lo exists unless lo is the answer; none is above hi.
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (store.messagesAfter(mid - 1, ['#'], 1).messages.length > 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
