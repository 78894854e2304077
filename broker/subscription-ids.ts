/**
 * MQTT 5 Subscription Identifiers on overlapping subscriptions: a server that sends one copy of
 * a message matching several of a client's subscriptions must put in it the identifiers of all
 * of them that have one [MQTT-3.3.4-4]. Aedes 2.0.0-beta.1 sends one copy carrying the
 * identifier of the subscription that delivered it (its known limitation); authorizeForward
 * asks this before each delivery to complete the list. A retained message sent on subscribe
 * (Aedes marks it with a null brokerId) answers that one subscription and keeps its identifier.
 */
import type { AedesPublishPacket, Client } from 'aedes';
import { topicMatches } from '../protocol/topic-filter.js';

/** What Aedes keeps per filter on the client (lib/handlers/subscribe.js Subscription); not in its typings. */
interface HeldSubscription {
  si?: number;
}

/** The identifiers of the client's subscriptions that match `topic`, in no particular order (which [MQTT-3.3.4-4] allows). */
function matchingIds(client: Client, topic: string): number[] {
  const held = (client as unknown as { subscriptions?: Record<string, HeldSubscription> }).subscriptions ?? {};
  const ids: number[] = [];
  for (const filter in held) {
    const si = held[filter]?.si;
    if (si !== undefined && topicMatches(filter, topic)) ids.push(si);
  }
  return ids;
}

/** The packet to send a v5 client, with the identifier of every matching subscription that has one. */
export function withSubscriptionIds(client: Client, packet: AedesPublishPacket): AedesPublishPacket {
  if (client.version !== 5 || (packet.brokerId as string | null) === null) return packet;
  const ids = matchingIds(client, packet.topic);
  // None, or only the one Aedes put in already.
  if (ids.length === 0 || (ids.length === 1 && packet.properties?.subscriptionIdentifier === ids[0])) return packet;
  // A fresh properties object: Aedes shares one between the copies for every subscriber.
  packet.properties = { ...packet.properties, subscriptionIdentifier: ids as unknown as number };
  return packet;
}
