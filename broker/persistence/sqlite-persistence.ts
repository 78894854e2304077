/**
 * An Aedes 1.x persistence on better-sqlite3: retained messages, persistent sessions
 * (subscriptions and the QoS 1/2 messages owed to them), inbound QoS 2 state and wills
 * survive a restart. It passes the abstract suite aedes-persistence ships
 * (test/broker/persistence/sqlite-persistence.test.ts). Statements run synchronously, so
 * every method has finished its writes before its promise settles.
 */
import { Readable } from 'node:stream';
import aedesPersistence from 'aedes-persistence';
import { type Db, migrate } from '../../storage/database.js';
import { BROKER_MIGRATIONS, BROKER_PART } from './schema.js';
import { type StoredPacket, decodePacket, encodePacket } from './packet-codec.js';
import { RowOwners } from './row-owners.js';
import { OutgoingQueue, type PacketLike } from './outgoing-queue.js';
import { SubscriptionTable, type StoredSubscription, type SubscriptionInput } from './subscription-table.js';
import { PAGE_SIZE, pagedStream } from './paged-rows.js';
import { topicMatches } from '../../protocol/topic-filter.js';
import type { IndexedSubscription } from './subscription-index.js';

/** aedes-persistence exports the Packet class its implementations share, untyped. */
const { Packet } = aedesPersistence as unknown as { Packet: new (p: object) => StoredPacket };

interface ClientRef {
  id: string;
}

interface BrokerRef {
  id: string;
}

export interface SqlitePersistenceOptions {
  /** QoS 1/2 messages kept per persistent session; newer ones are dropped beyond it; 0 = unlimited. */
  maxQueuedMessages: number;
  /** Called when a message is not queued because the session's queue is full. */
  onQueueFull?: (clientId: string) => void;
}

interface TopicRow {
  topic: string;
  packet: Buffer;
}

/** The literal levels before a filter's first wildcard, '' when it starts with one. */
function literalPrefix(filter: string): string {
  const levels = filter.split('/');
  const wild = levels.findIndex((l) => l === '+' || l === '#');
  return (wild === -1 ? levels : levels.slice(0, wild)).join('/');
}

/**
 * Every topic a filter with literal prefix P can match is P itself or starts with 'P/', and
 * all of those sort in [P, P + '0') since '0' follows '/' in ASCII.
 */
const prefixEnd = (prefix: string): string => `${prefix}0`;

export class SqlitePersistence {
  private readonly db: Db;
  private readonly subscriptions: SubscriptionTable;
  private readonly outgoing: OutgoingQueue;
  private brokerRef: BrokerRef | null = null;
  private destroyed = false;
  private readonly stmt;

  private readonly endSessionsTx: (now: number) => string[];
  /** Aedes reads the will, and the broker the session, at every connect: most clients have neither. */
  private readonly willOwners: RowOwners;
  private readonly sessionOwners: RowOwners;

  constructor(db: Db, opts: SqlitePersistenceOptions) {
    migrate(db, BROKER_PART, BROKER_MIGRATIONS);
    this.db = db;
    this.subscriptions = new SubscriptionTable(db);
    this.outgoing = new OutgoingQueue(db, (p) => new Packet(p), opts.maxQueuedMessages, opts.onQueueFull);
    this.willOwners = new RowOwners(db, 'broker_wills');
    this.sessionOwners = new RowOwners(db, 'broker_sessions');
    this.stmt = {
      putRetained: db.prepare('INSERT INTO broker_retained (topic, packet) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET packet = excluded.packet'),
      delRetained: db.prepare('DELETE FROM broker_retained WHERE topic = ?'),
      retainedAll: db.prepare(`SELECT topic, packet FROM broker_retained WHERE topic > ? ORDER BY topic LIMIT ${PAGE_SIZE}`),
      retainedRange: db.prepare(`SELECT topic, packet FROM broker_retained WHERE topic >= ? AND topic < ? AND topic > ? ORDER BY topic LIMIT ${PAGE_SIZE}`),
      putIncoming: db.prepare('INSERT INTO broker_incoming (client_id, message_id, packet) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET packet = excluded.packet'),
      getIncoming: db.prepare('SELECT packet FROM broker_incoming WHERE client_id = ? AND message_id = ?').pluck(),
      delIncoming: db.prepare('DELETE FROM broker_incoming WHERE client_id = ? AND message_id = ?'),
      cleanIncoming: db.prepare('DELETE FROM broker_incoming WHERE client_id = ?'),
      putWill: db.prepare('INSERT INTO broker_wills (client_id, broker_id, packet) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET broker_id = excluded.broker_id, packet = excluded.packet'),
      getWill: db.prepare('SELECT packet FROM broker_wills WHERE client_id = ?').pluck(),
      delWill: db.prepare('DELETE FROM broker_wills WHERE client_id = ?'),
      keepSession: db.prepare('INSERT INTO broker_sessions (client_id, expires_at) VALUES (?, NULL) ON CONFLICT DO UPDATE SET expires_at = NULL'),
      hasSession: db.prepare('SELECT 1 FROM broker_sessions WHERE client_id = ?').pluck(),
      sessionKept: db.prepare('SELECT 1 FROM broker_sessions WHERE client_id = ? AND expires_at IS NULL').pluck(),
      delSession: db.prepare('DELETE FROM broker_sessions WHERE client_id = ?'),
      sessionExpiresAt: db.prepare('UPDATE broker_sessions SET expires_at = ? WHERE client_id = ?'),
      nextExpiry: db.prepare('SELECT MIN(expires_at) FROM broker_sessions WHERE expires_at IS NOT NULL').pluck(),
      expiredSessions: db.prepare(`SELECT client_id FROM broker_sessions WHERE expires_at <= ? LIMIT ${PAGE_SIZE}`).pluck(),
      willsAfter: db.prepare(`SELECT client_id, broker_id, packet FROM broker_wills WHERE client_id > ? ORDER BY client_id LIMIT ${PAGE_SIZE}`),
    };
    // everything the session held [MQTT-4.1]: subscriptions, queued and inbound messages, its will
    this.endSessionsTx = db.transaction((now: number) => {
      const ended = this.stmt.expiredSessions.all(now) as string[];
      for (const clientId of ended) {
        this.subscriptions.clean(clientId);
        this.outgoing.drop(clientId);
        this.stmt.cleanIncoming.run(clientId);
        this.stmt.delWill.run(clientId);
        this.stmt.delSession.run(clientId);
      }
      return ended;
    });
  }

  /** The broker this persistence serves (the abstract suite reads it). */
  get broker(): BrokerRef | null {
    return this.brokerRef;
  }

  async setup(broker: BrokerRef): Promise<void> {
    this.brokerRef = broker;
    this.subscriptions.load();
  }

  // --- retained messages

  async storeRetained(packet: PacketLike): Promise<void> {
    const topic = String(packet.topic);
    const payload = packet.payload as Buffer | string | undefined;
    // an empty retained payload clears the topic [MQTT-3.3.1-10]
    if (!payload || payload.length === 0) this.stmt.delRetained.run(topic);
    else this.stmt.putRetained.run(topic, encodePacket(packet));
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  /** Retained messages matching each pattern in turn; a topic matching two patterns comes twice, as in the reference. */
  createRetainedStreamCombi(patterns: string[]): Readable {
    let i = 0;
    const next = (): Readable | null => {
      const pattern = patterns[i++];
      if (pattern === undefined) return null;
      const prefix = literalPrefix(pattern);
      const fetch = prefix === '' ? (after: string) => this.stmt.retainedAll.all(after) as TopicRow[] : (after: string) => this.stmt.retainedRange.all(prefix, prefixEnd(prefix), after) as TopicRow[];
      return pagedStream('', fetch, (r) => r.topic, (r) => (topicMatches(pattern, r.topic) ? decodePacket(r.packet) : undefined));
    };
    return concatStreams(next);
  }

  // --- subscriptions of persistent sessions

  async addSubscriptions(client: ClientRef, subs: SubscriptionInput[]): Promise<void> {
    this.subscriptions.add(client.id, subs);
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    this.subscriptions.remove(client.id, topics);
  }

  async subscriptionsByClient(client: ClientRef): Promise<StoredSubscription[]> {
    return this.subscriptions.byClient(client.id);
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return this.subscriptions.count();
  }

  async subscriptionsByTopic(topic: string): Promise<IndexedSubscription[]> {
    return this.subscriptions.match(topic);
  }

  /** Aedes calls this when a session ends: a clean start, or (MQTT 5) its expiry. */
  async cleanSubscriptions(client: ClientRef): Promise<void> {
    this.subscriptions.clean(client.id);
    if (this.hasSession(client.id)) this.stmt.delSession.run(client.id);
  }

  // --- sessions (Aedes keeps none of its own: it takes "has subscriptions" for "exists")

  hasSession(clientId: string): boolean {
    return this.sessionOwners.find(clientId, () => this.stmt.hasSession.get(clientId)) !== undefined;
  }

  /** The session outlives the connection now open; it does not expire while the client is connected. */
  keepSession(clientId: string): void {
    // A returning client's session is usually kept already: no write, so no wait for the write lock.
    if (this.stmt.sessionKept.get(clientId) !== undefined) return;
    this.stmt.keepSession.run(clientId);
    this.sessionOwners.add(clientId);
  }

  /** The client left; its session ends at `at` (ms since epoch) unless it comes back first. */
  sessionExpiresAt(clientId: string, at: number): void {
    this.stmt.sessionExpiresAt.run(at, clientId);
  }

  /** When the next away session ends, or null when none will. */
  nextSessionExpiry(): number | null {
    return (this.stmt.nextExpiry.get() as number | null) ?? null;
  }

  /** Ends the sessions whose time has come (at most a page of them) and returns their client ids. */
  endExpiredSessions(now: number): string[] {
    return this.endSessionsTx(now);
  }

  getClientList(topic: string): Readable {
    return this.subscriptions.clientsOf(topic);
  }

  // --- messages owed to persistent sessions

  async outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void> {
    this.outgoing.enqueue([sub.clientId], packet);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: PacketLike): Promise<void> {
    this.outgoing.enqueue(subs.map((s) => s.clientId), packet);
  }

  async outgoingUpdate(client: ClientRef, packet: PacketLike): Promise<void> {
    this.outgoing.update(client.id, packet);
  }

  async outgoingClearMessageId(client: ClientRef, packet: PacketLike | null | undefined): Promise<StoredPacket | undefined> {
    return this.outgoing.clear(client.id, packet?.messageId);
  }

  outgoingStream(client: ClientRef): Readable {
    return this.outgoing.stream(client.id);
  }

  // --- inbound QoS 2 awaiting PUBREL

  async incomingStorePacket(client: ClientRef, packet: PacketLike): Promise<void> {
    const stored = new Packet(packet);
    stored.messageId = packet.messageId;
    this.stmt.putIncoming.run(client.id, packet.messageId ?? null, encodePacket(stored));
  }

  async incomingGetPacket(client: ClientRef, packet: PacketLike): Promise<StoredPacket> {
    const blob = this.stmt.getIncoming.get(client.id, packet.messageId ?? null) as Buffer | undefined;
    if (!blob) throw new Error('no such packet');
    return decodePacket(blob);
  }

  /** True when an inbound QoS 2 message with this id is stored for the client (a retransmission). */
  hasIncoming(clientId: string, messageId: number): boolean {
    return this.stmt.getIncoming.get(clientId, messageId) !== undefined;
  }

  async incomingDelPacket(client: ClientRef, packet: PacketLike): Promise<void> {
    if (this.stmt.delIncoming.run(client.id, packet.messageId ?? null).changes === 0) throw new Error('no such packet');
  }

  /** [MQTT-3.1.2-6]: a clean session drops its QoS 2 state; one statement, exact client id. */
  async cleanIncoming(client: ClientRef): Promise<void> {
    this.stmt.cleanIncoming.run(client.id);
  }

  // --- wills

  async putWill(client: ClientRef, packet: PacketLike): Promise<void> {
    // the reference marks the caller's packet with its owner; the abstract suite relies on it
    packet.brokerId = this.requireBroker().id;
    packet.clientId = client.id;
    this.stmt.putWill.run(client.id, packet.brokerId, encodePacket(packet));
    this.willOwners.add(client.id);
  }

  async getWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const blob = this.willOwners.find(client.id, () => this.stmt.getWill.get(client.id) as Buffer | undefined);
    return blob && decodePacket(blob);
  }

  async delWill(client: ClientRef): Promise<StoredPacket | undefined> {
    // Aedes calls this at every connect; a DELETE takes the write lock even when it finds nothing,
    // and would wait for the history's commit thread: only a will that exists is deleted.
    const will = await this.getWill(client);
    if (will) this.stmt.delWill.run(client.id);
    return will;
  }

  /** Wills left by brokers not in `brokers` (alive ones), e.g. by this hub's previous run. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    type WillRow = { client_id: string; broker_id: string; packet: Buffer };
    return pagedStream(
      '',
      (after: string) => this.stmt.willsAfter.all(after) as WillRow[],
      (r) => r.client_id,
      (r) => (Object.hasOwn(brokers, r.broker_id) ? undefined : decodePacket(r.packet)),
    );
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('persistence destroyed twice');
    this.destroyed = true;
  }

  private requireBroker(): BrokerRef {
    if (!this.brokerRef) throw new Error('persistence used before setup()');
    return this.brokerRef;
  }
}

/** Plays the streams `next()` returns one after another. */
function concatStreams(next: () => Readable | null): Readable {
  async function* all(): AsyncGenerator<unknown> {
    for (let s = next(); s !== null; s = next()) yield* s;
  }
  return Readable.from(all());
}
