/**
 * `commands()`: the command history, newest first, filtered by device and creation time, in
 * pages. A page ends with a cursor (`next`) naming the last command given, so the next page
 * starts below it even when several commands share a millisecond.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { CommandView } from '../../protocol/message.js';
import type { Db } from '../../storage/database.js';
import { checkDevice, checkInt, checkRange, firstFailure } from '../../http/params.js';
import type { CommandPage, CommandQuery } from './store.js';

export const DEFAULT_COMMAND_LIMIT = 50;
export const MAX_COMMAND_LIMIT = 1_000;

export interface CommandQueryOptions {
  db: Db;
  knownDevice(id: string): boolean;
  /** Commands saved but not yet committed; they win over their stored rows. */
  queued(): Iterable<CommandView>;
}

interface Cursor {
  created: number;
  id: string;
}

/** `<created>~<id>`: both parts are needed to order commands made in the same millisecond. */
const encodeCursor = (c: CommandView): string => `${c.created}~${c.id}`;

function decodeCursor(raw: string): Cursor | null {
  const at = raw.indexOf('~');
  const created = Number(raw.slice(0, at));
  const id = raw.slice(at + 1);
  return at > 0 && Number.isSafeInteger(created) && id.length > 0 && id.length <= 100 ? { created, id } : null;
}

/** Newest first; ties broken by id, the same order the SQL uses. */
const newestFirst = (a: CommandView, b: CommandView): number => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const below = (c: CommandView, cursor: Cursor | null): boolean => cursor === null || c.created < cursor.created || (c.created === cursor.created && c.id < cursor.id);

export function createCommandQuery(o: CommandQueryOptions): (q: CommandQuery) => Result<CommandPage> {
  const where = 'created >= @from AND created < @to AND (@cursorCreated IS NULL OR created < @cursorCreated OR (created = @cursorCreated AND id < @cursorId))';
  const order = 'ORDER BY created DESC, id DESC LIMIT @limit';
  const all = o.db.prepare(`SELECT view FROM history_commands WHERE ${where} ${order}`).pluck();
  const ofDevice = o.db.prepare(`SELECT view FROM history_commands WHERE device = @device AND ${where} ${order}`).pluck();

  return (q) => {
    const { from = 0, to = Number.MAX_SAFE_INTEGER, limit = DEFAULT_COMMAND_LIMIT } = q;
    const checked = firstFailure(q.device === undefined ? ok(true) : checkDevice(q.device, o.knownDevice), checkRange(from, to), checkInt('limit', limit, 1, MAX_COMMAND_LIMIT));
    if (!checked.ok) return checked;
    const cursor = q.before === undefined ? null : decodeCursor(q.before);
    if (q.before !== undefined && cursor === null) return fail('bad_param', 'before must be the "next" cursor of an earlier page');
    const params = { device: q.device, from, to, limit: limit + 1, cursorCreated: cursor?.created ?? null, cursorId: cursor?.id ?? null };
    const stored = ((q.device === undefined ? all.all(params) : ofDevice.all(params)) as string[]).map((v) => JSON.parse(v) as CommandView);
    const byId = new Map(stored.map((c) => [c.id, c]));
    for (const c of o.queued()) {
      if ((q.device === undefined || c.device === q.device) && c.created >= from && c.created < to && below(c, cursor)) byId.set(c.id, c);
    }
    const sorted = [...byId.values()].sort(newestFirst);
    const commands = sorted.slice(0, limit);
    const last = commands[commands.length - 1];
    return ok({ commands, next: sorted.length > limit && last ? encodeCursor(last) : null });
  };
}
