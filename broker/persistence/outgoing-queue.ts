/**
 * The QoS 1/2 messages (and PUBRELs) owed to each persistent session, in order, in
 * `broker_outgoing`. A message's packet id lives in its own column: it is assigned on each
 * delivery attempt and must survive a restart so an unacknowledged message goes out again
 * under the same id [MQTT-4.4.0-1].
 */
import type { Readable } from 'node:stream';
import type { Db } from '../../storage/database.js';
import { type StoredPacket, decodePacket, encodePacket } from './packet-codec.js';
import { PAGE_SIZE, pagedStream } from './paged-rows.js';
import { RowOwners } from './row-owners.js';

/** What Aedes hands a persistence: a publish or pubrel packet, possibly a class instance. */
export type PacketLike = { [key: string]: unknown; messageId?: number; brokerId?: string; brokerCounter?: number };

interface Row {
  id: number;
  message_id: number | null;
  packet: Buffer;
}

function decodeRow(row: Row): StoredPacket {
  const packet = decodePacket(row.packet);
  if (row.message_id !== null || 'messageId' in packet) packet.messageId = row.message_id ?? undefined;
  return packet;
}

export class OutgoingQueue {
  private readonly stmt;
  private readonly enqueueTx;
  /** Aedes asks at each connect (stream) and each PUBACK (clear), mostly of clients with nothing queued. */
  private readonly holders: RowOwners;

  /**
   * `toQueued` gives the queued form of a packet (Aedes' Packet: delivery fields only, no
   * packet id yet). `maxPerClient` 0 = unlimited; `onFull` hears of each message dropped.
   */
  constructor(
    db: Db,
    private readonly toQueued: (p: PacketLike) => StoredPacket,
    private readonly maxPerClient: number,
    private readonly onFull: ((clientId: string) => void) | undefined,
  ) {
    this.stmt = {
      insert: db.prepare('INSERT INTO broker_outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, NULL, ?)'),
      count: db.prepare('SELECT COUNT(*) FROM broker_outgoing WHERE client_id = ?').pluck(),
      byCounter: db.prepare('SELECT id FROM broker_outgoing WHERE client_id = ? AND broker_counter = ? AND broker_id = ? ORDER BY id LIMIT 1').pluck(),
      byMessageElsewhere: db.prepare('SELECT id FROM broker_outgoing WHERE client_id = ? AND message_id = ? AND broker_id IS NOT ? ORDER BY id LIMIT 1').pluck(),
      setMessageId: db.prepare('UPDATE broker_outgoing SET message_id = ? WHERE id = ?'),
      replace: db.prepare('UPDATE broker_outgoing SET broker_id = ?, broker_counter = ?, message_id = ?, packet = ? WHERE id = ?'),
      firstByMessage: db.prepare('SELECT id, message_id, packet FROM broker_outgoing WHERE client_id = ? AND message_id = ? ORDER BY id LIMIT 1'),
      delete: db.prepare('DELETE FROM broker_outgoing WHERE id = ?'),
      deleteAll: db.prepare('DELETE FROM broker_outgoing WHERE client_id = ?'),
      lastId: db.prepare('SELECT MAX(id) FROM broker_outgoing WHERE client_id = ?').pluck(),
      page: db.prepare(`SELECT id, message_id, packet FROM broker_outgoing WHERE client_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ${PAGE_SIZE}`),
    };
    this.holders = new RowOwners(db, 'broker_outgoing');
    this.enqueueTx = db.transaction((clientIds: string[], queued: StoredPacket, blob: Buffer) => {
      for (const clientId of clientIds) {
        if (this.maxPerClient > 0 && (this.stmt.count.get(clientId) as number) >= this.maxPerClient) {
          this.onFull?.(clientId);
          continue;
        }
        this.stmt.insert.run(clientId, queued.brokerId ?? null, queued.brokerCounter ?? null, blob);
        this.holders.add(clientId);
      }
    });
  }

  enqueue(clientIds: string[], packet: PacketLike): void {
    // Aedes offers every QoS 1/2 message here, with the persistent sessions subscribed to it: mostly none.
    if (clientIds.length === 0) return;
    const queued = this.toQueued(packet);
    this.enqueueTx(clientIds, queued, encodePacket(queued));
  }

  /**
   * Records the packet id given to a queued message (matched by broker id and counter), or
   * replaces the entry holding that packet id with `packet` when it comes from elsewhere (a
   * PUBREL taking the place of its PUBLISH). Throws when neither exists, as the reference does.
   */
  update(clientId: string, packet: PacketLike): void {
    if (!this.holders.mayHave(clientId)) throw new Error('no such packet');
    const messageId = packet.messageId ?? null;
    if (packet.brokerId != null) {
      const id = this.stmt.byCounter.get(clientId, packet.brokerCounter ?? null, packet.brokerId) as number | undefined;
      if (id !== undefined) {
        this.stmt.setMessageId.run(messageId, id);
        return;
      }
    }
    const id = this.stmt.byMessageElsewhere.get(clientId, messageId, packet.brokerId ?? null) as number | undefined;
    if (id === undefined) throw new Error('no such packet');
    this.stmt.replace.run(packet.brokerId ?? null, packet.brokerCounter ?? null, messageId, encodePacket(packet), id);
  }

  /** Removes the entry with this packet id and returns it; undefined when there is none. */
  clear(clientId: string, messageId: number | undefined): StoredPacket | undefined {
    if (!this.holders.mayHave(clientId)) return undefined;
    const row = this.stmt.firstByMessage.get(clientId, messageId ?? null) as Row | undefined;
    if (!row) return undefined;
    this.stmt.delete.run(row.id);
    return decodeRow(row);
  }

  /** Drops everything queued for the client (its session ended). */
  drop(clientId: string): void {
    this.stmt.deleteAll.run(clientId);
  }

  /** The entries queued when it is called, oldest first; later ones wait for the next stream. */
  stream(clientId: string): Readable {
    const last = this.holders.find(clientId, () => (this.stmt.lastId.get(clientId) as number | null) ?? undefined) ?? 0;
    // Aedes opens this for every client that connects; most have nothing queued (ids start at 1).
    const page = last === 0 ? () => [] : (after: number) => this.stmt.page.all(clientId, after, last) as Row[];
    return pagedStream(0, page, (r) => r.id, decodeRow);
  }
}
