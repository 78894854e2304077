/**
 * The inbound flow window: how many QoS 1/2 messages a client has sent that the broker has not
 * acknowledged yet. MQTT 5 names the limit Receive Maximum; the broker advertises it in CONNACK
 * and a client that goes past it ([MQTT-3.3.4-7]) is disconnected with 0x93 (§4.9). MQTT 3.1.1 has no
 * window, so there only QoS 2 messages held awaiting PUBREL count (each holds a stored row);
 * QoS 1 publishes may be pipelined freely and are paced by the publish rate instead.
 *
 * The counts come from PacketGuard, which sees every packet header as it arrives, before Aedes
 * handles it: PUBLISH headers open a slot, PUBREL closes a QoS 2 one, and the PUBACK that
 * follows a settled QoS 1 publish closes a QoS 1 one (counted here).
 */
import type { Client } from 'aedes';
import { guardOf } from './packet-guard.js';

/** MQTT 5 DISCONNECT reason code [MQTT-3.14.2.1]. */
const RECEIVE_MAXIMUM_EXCEEDED = 0x93;

export interface InboundWindow {
  /** True (and the client is being disconnected) when this PUBLISH takes the client past the window. */
  overflows(client: Client): boolean;
  /** The broker is acknowledging one of the client's QoS 1 publishes. */
  acknowledged(client: Client): void;
}

/** `limit`: unacknowledged messages a client may have; 0 = no limit. `onOverflow` once per client. */
export function createInboundWindow(limit: number, onOverflow: (client: Client) => void): InboundWindow {
  const acks = new WeakMap<Client, number>();
  /** Clients already told: the rest of what they sent in the same read is refused quietly. */
  const overflowed = new WeakSet<Client>();
  return {
    overflows(client) {
      const guard = guardOf(client.conn);
      if (limit === 0 || !guard) return false;
      if (overflowed.has(client)) return true;
      const { qos1, qos2, released } = guard.received;
      const open = qos2 - released + (client.version === 5 ? qos1 - (acks.get(client) ?? 0) : 0);
      if (open <= limit) return false;
      overflowed.add(client);
      onOverflow(client);
      client.disconnect({ reasonCode: RECEIVE_MAXIMUM_EXCEEDED });
      return true;
    },
    acknowledged(client) {
      acks.set(client, (acks.get(client) ?? 0) + 1);
    },
  };
}
