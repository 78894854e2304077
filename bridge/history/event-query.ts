/** `events()`: stored events and rejects, newest first, filtered by device and time. */
import { type Result, ok } from '../../protocol/errors.js';
import type { HubMessage } from '../../protocol/message.js';
import type { Db } from '../../storage/database.js';
import { checkDevice, checkInt, checkRange, firstFailure } from '../../http/params.js';
import type { EventQuery } from './store.js';
import { MESSAGE_COLUMNS, type StoredMessage, decodeMessage } from './stored-message.js';

const DEFAULT_EVENT_LIMIT = 100;
const MAX_EVENT_LIMIT = 1_000;

export interface EventQueryOptions {
  db: Db;
  knownDevice(id: string): boolean;
}

export function createEventQuery(o: EventQueryOptions): (q: EventQuery) => Result<HubMessage[]> {
  // Two statements so each walks its own index backwards from `to`.
  const all = o.db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM history_events WHERE ts >= ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`);
  const ofDevice = o.db.prepare(
    `SELECT ${MESSAGE_COLUMNS} FROM history_events WHERE device = ? AND ts >= ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT ?`,
  );

  return (q) => {
    const { from = 0, to = Number.MAX_SAFE_INTEGER, limit = DEFAULT_EVENT_LIMIT } = q;
    const checked = firstFailure(q.device === undefined ? ok(true) : checkDevice(q.device, o.knownDevice), checkRange(from, to), checkInt('limit', limit, 1, MAX_EVENT_LIMIT));
    if (!checked.ok) return checked;
    const rows = (q.device === undefined ? all.all(from, to, limit) : ofDevice.all(q.device, from, to, limit)) as StoredMessage[];
    return ok(rows.map(decodeMessage));
  };
}
