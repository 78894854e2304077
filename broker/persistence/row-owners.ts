/**
 * The client ids that may have rows in one broker table, in memory. Aedes asks about every
 * client at each connect (its queue, subscriptions, will, session) and at each PUBACK, and most
 * clients have nothing stored: those questions are answered without a query. An id joins when a
 * row is written for it and leaves only when a read outside any transaction finds none (a
 * deletion inside a transaction could still be rolled back).
 */
import type { Db } from '../../storage/database.js';

export class RowOwners {
  private readonly ids: Set<string>;

  constructor(
    private readonly db: Db,
    table: string,
  ) {
    this.ids = new Set(db.prepare(`SELECT DISTINCT client_id FROM ${table}`).pluck().all() as string[]);
  }

  /** A row was written for `clientId`. */
  add(clientId: string): void {
    this.ids.add(clientId);
  }

  /**
   * What `query` reads for `clientId`, run only for a client that may have rows; undefined
   * without a query for one that has none. A read that finds nothing forgets the client.
   */
  find<T>(clientId: string, query: () => T | undefined): T | undefined {
    if (!this.ids.has(clientId)) return undefined;
    const found = query();
    if (found === undefined && !this.db.inTransaction) this.ids.delete(clientId);
    return found;
  }

  /** False: `clientId` has no rows, and no query is needed to know it. */
  mayHave(clientId: string): boolean {
    return this.ids.has(clientId);
  }
}
