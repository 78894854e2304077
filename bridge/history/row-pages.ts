/**
 * Keyset-paged reads for export: each call reads at most `limit` rows after the last one
 * given, so a week of readings leaves the database in small synchronous steps (a few ms each)
 * and memory holds one page, whatever the range. Rows written meanwhile inside the range and
 * after the cursor are included; none is given twice.
 */
import type { HubMessage } from '../../protocol/message.js';
import type { Db } from '../../storage/database.js';
import { MESSAGE_COLUMNS, type StoredMessage, decodeMessage } from './stored-message.js';

/** The next page of rows, empty once the range is exhausted. */
export interface RowPages<T> {
  next(limit: number): T[];
}

/** A raw reading: [ts, value]. */
export type ReadingRow = [number, number];

interface Keyed {
  ts: number;
  seq: number;
}

export interface RowPageReaders {
  /** Raw readings of one series in [from, to), oldest first; an unknown series has none. */
  readings(device: string, metric: string, from: number, to: number): RowPages<ReadingRow>;
  /** Stored events and rejects in [from, to), oldest first, of one device or all. */
  events(device: string | undefined, from: number, to: number): RowPages<HubMessage>;
}

export function createRowPageReaders(db: Db): RowPageReaders {
  const findSeries = db.prepare('SELECT id FROM history_series WHERE device = ? AND metric = ?').pluck();
  // (ts, seq) row values walk the primary key (series, ts, seq) from the cursor on.
  const points = db.prepare('SELECT ts, seq, value FROM history_points WHERE series = @series AND (ts, seq) > (@ts, @seq) AND ts < @to ORDER BY ts, seq LIMIT @limit');
  const allEvents = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM history_events WHERE (ts, seq) > (@ts, @seq) AND ts < @to ORDER BY ts, seq LIMIT @limit`);
  const deviceEvents = db.prepare(
    `SELECT ${MESSAGE_COLUMNS} FROM history_events WHERE device = @device AND (ts, seq) > (@ts, @seq) AND ts < @to ORDER BY ts, seq LIMIT @limit`,
  );

  /** Pages of `read` from `from`, moving the (ts, seq) cursor past each page's last row. */
  function paged<R extends Keyed, T>(from: number, to: number, read: (cursor: Keyed & { to: number; limit: number }) => R[], map: (r: R) => T): RowPages<T> {
    const cursor: Keyed = { ts: from, seq: -1 };
    let done = false;
    return {
      next(limit) {
        if (done) return [];
        const rows = read({ ...cursor, to, limit });
        const last = rows[rows.length - 1];
        if (!last || rows.length < limit) done = true;
        if (last) Object.assign(cursor, { ts: last.ts, seq: last.seq });
        return rows.map(map);
      },
    };
  }

  return {
    readings(device, metric, from, to) {
      const series = findSeries.get(device, metric) as number | undefined;
      if (series === undefined) return { next: () => [] };
      return paged(
        from,
        to,
        (c) => points.all({ series, ...c }) as (Keyed & { value: number })[],
        (r): ReadingRow => [r.ts, r.value],
      );
    },
    events(device, from, to) {
      return paged(
        from,
        to,
        (c) => (device === undefined ? allEvents.all(c) : deviceEvents.all({ device, ...c })) as StoredMessage[],
        decodeMessage,
      );
    },
  };
}
