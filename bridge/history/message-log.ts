/**
 * The resume read: messages after a seq that match a browser's filters, from the disk first
 * and then from the write queue, so a message is replayable from the moment it has its seq.
 * Every call examines at most `scanLimit` rows and says how far it got.
 */
import type { HubMessage } from '../../protocol/message.js';
import { matchesAny } from '../../protocol/topic-filter.js';
import type { Db } from '../../storage/database.js';
import type { MessagePage } from './store.js';
import { filterScopes } from './scope.js';
import { MESSAGE_COLUMNS, type StoredMessage, decodeMessage } from './stored-message.js';
import type { WriteQueue } from './write-queue.js';

type Row = StoredMessage;

/** How far a scan got: every row up to `examined` was seen; `stopped` when it ended early (limit or budget). */
interface ScanEnd {
  examined: number;
  stopped: boolean;
  /** Rows read. */
  rows: number;
}

export interface MessageLogOptions {
  db: Db;
  queue: WriteQueue;
  scanLimit: number;
  /** The store's lastSeq(), which may run ahead of the log (dropped or reserved seqs). */
  lastSeq(): number;
  /** Messages up to this seq are not all stored: resumes must start above it. */
  floor(): number;
}

export interface MessageLog {
  after(after: number, filters: readonly string[], limit: number): MessagePage;
  firstSeq(): number;
}

export function createMessageLog(o: MessageLogOptions): MessageLog {
  // Bounded by the queue's committed seq: the commit thread may have committed rows the queue
  // still holds (its answer not read yet), and those are read from the queue.
  const all = o.db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM history_messages WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`);
  const byScope = o.db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM history_messages WHERE scope = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`);
  const oldest = o.db.prepare('SELECT min(seq) FROM history_messages').pluck();

  /** Feeds committed rows after `after` to `visit` in seq order until it returns false or the budget is spent. */
  function scanCommitted(after: number, scopes: string[] | null, budget: number, visit: (row: Row) => boolean): ScanEnd {
    const top = o.queue.committedSeq;
    const walk = (rows: Iterable<Row>): ScanEnd => {
      let n = 0;
      let examined = after;
      for (const row of rows) {
        n++;
        examined = row.seq;
        if (!visit(row)) return { examined, stopped: true, rows: n };
      }
      return n >= budget ? { examined, stopped: true, rows: n } : { examined: top, stopped: false, rows: n };
    };
    if (scopes === null) return walk(all.iterate(after, top, budget) as Iterable<Row>);
    if (scopes.length === 1) return walk(byScope.iterate(scopes[0], after, top, budget) as Iterable<Row>);
    // Several devices: read each one's next rows and merge. A device whose list came back
    // full may have more rows, so the merge is complete only up to the lowest such list end.
    const per = Math.max(1, Math.floor(budget / scopes.length));
    const lists = scopes.map((s) => byScope.all(s, after, top, per) as Row[]);
    const ends = lists.filter((l) => l.length === per).map((l) => (l[l.length - 1] as Row).seq);
    const cutoff = Math.min(Infinity, ...ends);
    const rows = lists
      .flat()
      .filter((r) => r.seq <= cutoff)
      .sort((a, b) => a.seq - b.seq);
    const end = walk(rows);
    if (end.stopped || cutoff === Infinity) return end;
    return { examined: cutoff, stopped: true, rows: end.rows };
  }

  return {
    after(after, filters, limit) {
      const max = Math.max(1, Math.min(limit, o.scanLimit));
      const messages: HubMessage[] = [];
      const take = (msg: HubMessage): boolean => {
        messages.push(msg);
        return messages.length < max;
      };
      let examined = after;
      let budget = o.scanLimit;
      if (after < o.queue.committedSeq) {
        const end = scanCommitted(after, filterScopes(filters), budget, (row) => !matchesAny(filters, row.topic) || take(decodeMessage(row)));
        if (end.stopped) return { messages, next: end.examined };
        budget -= end.rows;
        examined = Math.max(examined, end.examined);
      }
      for (const { msg } of o.queue.after(examined)) {
        if (budget-- <= 0) return { messages, next: examined };
        examined = msg.seq;
        if (matchesAny(filters, msg.topic) && !take(msg)) return { messages, next: examined };
      }
      return { messages, next: Math.max(examined, o.lastSeq()) };
    },
    firstSeq() {
      const stored = (oldest.get() as number | null) ?? o.queue.after(0)[0]?.msg.seq ?? o.lastSeq() + 1;
      return Math.max(stored, o.floor() + 1);
    },
  };
}
