/**
 * Streams a query's rows a page at a time. better-sqlite3 refuses other statements while an
 * iterator is open, and the history store shares the connection, so a stream never holds one
 * between reads: each page is a fresh bounded query after the last key seen.
 *
 * A Readable whose _read runs the next page's query, rather than Readable.from() over an async
 * generator: Aedes opens one of these (the outgoing queue) for every client that connects, and
 * the generator, its promises and the from() adapter lived long enough (a connect takes several
 * ticks) to be promoted, so a burst of connects left ~2 KB per client of dead objects in old
 * space. An empty result now ends the stream in its first read.
 */
import { Readable } from 'node:stream';

export const PAGE_SIZE = 128;

class PagedRows<Row, Key, Out> extends Readable {
  constructor(
    private after: Key,
    private readonly fetchPage: (after: Key) => Row[],
    private readonly keyOf: (row: Row) => Key,
    private readonly mapRow: (row: Row) => Out | undefined,
  ) {
    // As Readable.from() has it (the aedes-persistence suite sizes a test on it); a read still fetches a whole page.
    super({ objectMode: true, highWaterMark: 1 });
  }

  override _read(): void {
    // Pages whose rows all map to undefined push nothing, so no further _read would come: go on to the next.
    for (;;) {
      const rows = this.fetchPage(this.after);
      let pushed = false;
      for (const row of rows) {
        const out = this.mapRow(row);
        if (out !== undefined) {
          this.push(out);
          pushed = true;
        }
      }
      const last = rows[rows.length - 1];
      if (rows.length < PAGE_SIZE || last === undefined) {
        this.push(null);
        return;
      }
      this.after = this.keyOf(last);
      if (pushed) return;
    }
  }
}

/**
 * Yields `map(row)` for every row `fetch(after)` returns, calling it again with the key of the
 * last row until a page comes back short. `map` returning undefined skips the row.
 */
export function pagedStream<Row, Key, Out>(first: Key, fetch: (after: Key) => Row[], keyOf: (row: Row) => Key, map: (row: Row) => Out | undefined): Readable {
  return new PagedRows(first, fetch, keyOf, map);
}
