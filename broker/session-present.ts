/**
 * Session Present in CONNACK [MQTT-3.2.2-2]: a client resuming a session (CleanSession 0, or MQTT 5
 * Clean Start 0) that the broker still holds must be told so, subscriptions or not. Aedes derives
 * the flag from "has stored subscriptions", so a session without any is answered 0 and the client
 * takes its queued state for lost. The broker records which sessions exist (persistence) and sets
 * the flag on the CONNACK (PacketGuard) for a resumed one. Without such a store (cluster mode),
 * Aedes' answer stands.
 *
 * Aedes 2.0.0-beta.1 also drops the queued messages of a session an MQTT 5 client resumes with
 * Session Expiry Interval 0 (the session then ends with this connection, but it is resumed first
 * and its messages are owed [MQTT-3.1.2-4, MQTT-4.4.0-1]): Aedes reads `clean` as "drop the
 * queue", so `clean` is held false until the queue has gone out (Aedes' 'clientReady').
 */
import type { Client, ConnectPacket } from 'aedes';
import { guardOf } from './packet-guard.js';

export interface SessionStore {
  hasSession(clientId: string): boolean;
  keepSession(clientId: string): void;
}

export interface SessionPresence {
  /** At CONNECT, before the checks: remembers whether the client asks to resume. */
  connecting(client: Client, packet: ConnectPacket): void;
  /** The checks passed and Aedes is about to answer: sets the flag if the session exists. */
  accepted(client: Client): void;
  /** Aedes' 'clientReady': records a session that outlives this connection. */
  ready(client: Client): void;
}

/** The field Aedes reads both for "ends with the connection" and "drop the queue at connect". */
type Cleanable = { clean: boolean };

export function createSessionPresence(store: SessionStore | null): SessionPresence {
  const resuming = new WeakSet<Client>();
  const queueHeld = new WeakSet<Client>();
  return {
    connecting(client, packet) {
      if (store && !packet.clean && packet.clientId) resuming.add(client);
    },
    accepted(client) {
      const guard = guardOf(client.conn);
      if (!store || !resuming.has(client) || !guard) return;
      if (!store.hasSession(client.id)) return;
      guard.setSessionPresent();
      if (client.version === 5 && client.clean) {
        queueHeld.add(client);
        (client as unknown as Cleanable).clean = false;
      }
    },
    ready(client) {
      if (queueHeld.delete(client)) (client as unknown as Cleanable).clean = true;
      // Aedes' `clean` is true for a session that ends with the connection (3.1.1 CleanSession 1,
      // MQTT 5 Session Expiry Interval 0); Aedes deletes the record when a session ends.
      if (store && !client.clean) store.keepSession(client.id);
    },
  };
}
