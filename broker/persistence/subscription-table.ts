/**
 * Subscriptions of persistent sessions: rows in `broker_subscriptions`, plus the QoS 1/2 ones in
 * an in-memory SubscriptionIndex for matching (QoS 0 subscriptions are restored on reconnect
 * but never queue messages, as in the reference persistence).
 */
import type { Readable } from 'node:stream';
import type { Db } from '../../storage/database.js';
import { type IndexedSubscription, SubscriptionIndex } from './subscription-index.js';
import { PAGE_SIZE, pagedStream } from './paged-rows.js';
import { RowOwners } from './row-owners.js';

export interface SubscriptionInput {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

export interface StoredSubscription {
  topic: string;
  qos: number;
  rh: number | undefined;
  rap: boolean | undefined;
  nl: boolean | undefined;
  subscriptionIdentifier?: number;
}

interface Options {
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}

interface Row {
  client_id: string;
  topic: string;
  qos: number;
  options: string;
}

function toStored(row: Row): StoredSubscription {
  const o = JSON.parse(row.options) as Options;
  const sub: StoredSubscription = { topic: row.topic, qos: row.qos, rh: o.rh, rap: o.rap, nl: o.nl };
  if (o.subscriptionIdentifier !== undefined) sub.subscriptionIdentifier = o.subscriptionIdentifier;
  return sub;
}

const toIndexed = (clientId: string, s: { topic: string; qos: number; rh?: number | undefined; rap?: boolean | undefined; nl?: boolean | undefined }): IndexedSubscription => ({
  clientId,
  topic: s.topic,
  qos: s.qos,
  rh: s.rh,
  rap: s.rap,
  nl: s.nl,
});

export class SubscriptionTable {
  private readonly index = new SubscriptionIndex();
  private readonly stmt;
  private readonly addTx;
  private readonly removeTx;
  /** Every clean connect cleans: most of those clients have nothing stored. */
  private readonly owners: RowOwners;

  constructor(db: Db) {
    this.owners = new RowOwners(db, 'broker_subscriptions');
    this.stmt = {
      all: db.prepare('SELECT client_id, topic, qos, options FROM broker_subscriptions WHERE qos > 0'),
      qosOf: db.prepare('SELECT qos FROM broker_subscriptions WHERE client_id = ? AND topic = ?').pluck(),
      upsert: db.prepare('INSERT INTO broker_subscriptions (client_id, topic, qos, options) VALUES (?, ?, ?, ?) ON CONFLICT (client_id, topic) DO UPDATE SET qos = excluded.qos, options = excluded.options'),
      remove: db.prepare('DELETE FROM broker_subscriptions WHERE client_id = ? AND topic = ? RETURNING qos').pluck(),
      any: db.prepare('SELECT 1 FROM broker_subscriptions WHERE client_id = ? LIMIT 1').pluck(),
      clean: db.prepare('DELETE FROM broker_subscriptions WHERE client_id = ? RETURNING topic, qos'),
      byClient: db.prepare('SELECT client_id, topic, qos, options FROM broker_subscriptions WHERE client_id = ? ORDER BY rowid'),
      clients: db.prepare('SELECT COUNT(DISTINCT client_id) FROM broker_subscriptions').pluck(),
      clientsOf: db.prepare(`SELECT rowid, client_id FROM broker_subscriptions WHERE topic = ? AND rowid > ? ORDER BY rowid LIMIT ${PAGE_SIZE}`),
    };
    this.addTx = db.transaction((clientId: string, subs: SubscriptionInput[]) => {
      for (const sub of subs) {
        const before = this.stmt.qosOf.get(clientId, sub.topic) as number | undefined;
        const options: Options = { rh: sub.rh, rap: sub.rap, nl: sub.nl, subscriptionIdentifier: sub.subscriptionIdentifier };
        this.stmt.upsert.run(clientId, sub.topic, sub.qos, JSON.stringify(options));
        this.owners.add(clientId);
        if (sub.qos > 0) this.index.add(toIndexed(clientId, sub));
        else if (before !== undefined && before > 0) this.index.remove(clientId, sub.topic);
      }
    });
    this.removeTx = db.transaction((clientId: string, topics: string[]) => {
      for (const topic of topics) {
        const qos = this.stmt.remove.get(clientId, topic) as number | undefined;
        if (qos !== undefined && qos > 0) this.index.remove(clientId, topic);
      }
    });
  }

  /** Rebuilds the match index from the table (at start-up). */
  load(): void {
    for (const row of this.stmt.all.iterate() as IterableIterator<Row>) this.index.add(toIndexed(row.client_id, toStored(row)));
  }

  /** Adds or replaces, in order: of two entries for one topic the last wins. */
  add(clientId: string, subs: SubscriptionInput[]): void {
    this.addTx(clientId, subs);
  }

  remove(clientId: string, topics: string[]): void {
    this.removeTx(clientId, topics);
  }

  clean(clientId: string): void {
    // A read first, so a client with nothing stored costs no write transaction (one that would
    // wait for the history commit thread's lock).
    if (this.owners.find(clientId, () => this.stmt.any.get(clientId)) === undefined) return;
    for (const row of this.stmt.clean.all(clientId) as { topic: string; qos: number }[]) {
      if (row.qos > 0) this.index.remove(clientId, row.topic);
    }
  }

  /** Aedes asks at every persistent connect, and most clients have none: those cost no query. */
  byClient(clientId: string): StoredSubscription[] {
    const rows = this.owners.find(clientId, () => {
      const found = this.stmt.byClient.all(clientId) as Row[];
      return found.length > 0 ? found : undefined;
    });
    return rows?.map(toStored) ?? [];
  }

  /** QoS 1/2 subscriptions, and clients with any stored subscription. */
  count(): { subsCount: number; clientsCount: number } {
    return { subsCount: this.index.size, clientsCount: this.stmt.clients.get() as number };
  }

  match(topic: string): IndexedSubscription[] {
    return this.index.match(topic);
  }

  /** Client ids subscribed to exactly this filter. */
  clientsOf(filter: string): Readable {
    type ClientRow = { rowid: number; client_id: string };
    return pagedStream(0, (after: number) => this.stmt.clientsOf.all(filter, after) as ClientRow[], (r) => r.rowid, (r) => r.client_id);
  }
}
