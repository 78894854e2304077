/**
 * Streams a query's rows a page at a time. better-sqlite3 refuses other statements while an
 * iterator is open, and the history store shares the connection, so a stream never holds one
 * across an await: each page is a fresh bounded query after the last key seen.
 */
import { Readable } from 'node:stream';

export const PAGE_SIZE = 128;

/**
 * Yields `map(row)` for every row `fetch(after)` returns, calling it again with the key of the
 * last row until a page comes back short. `map` returning undefined skips the row.
 */
export function pagedStream<Row, Key, Out>(
  first: Key,
  fetch: (after: Key) => Row[],
  keyOf: (row: Row) => Key,
  map: (row: Row) => Out | undefined,
): Readable {
  async function* pages(): AsyncGenerator<Out> {
    let after = first;
    for (;;) {
      const rows = fetch(after);
      for (const row of rows) {
        const out = map(row);
        if (out !== undefined) yield out;
      }
      const last = rows[rows.length - 1];
      if (rows.length < PAGE_SIZE || last === undefined) return;
      after = keyOf(last);
    }
  }
  return Readable.from(pages());
}
