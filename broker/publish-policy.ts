/**
 * What a connected client may do, as Aedes' authorize handlers. A PUBLISH passes, in order:
 * the ACL (a refusal closes the connection, one of the two answers MQTT 3.1.1 allows
 * [MQTT-3.3.5-2]), the client's publish rate, and the publish hook (awaited for QoS 1/2, so
 * PUBACK/PUBREC follows it). A refused subscription gets the 0x80 failure code [MQTT-3.9.3].
 */
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { type User, canPublish, canSubscribe } from '../auth/index.js';
import type { PublishHookRunner } from './publish-hook.js';
import type { BrokerMetrics } from './metrics.js';
import type { PublishThrottle } from './publish-throttle.js';

const SYS_PREFIX = '$SYS/';

/** A publish the ACL refused; already logged and counted when Aedes reports it. */
export class AclRefusal extends Error {}

/** The ACL, plus `$SYS/`, which is the broker's own: clients could forge its heartbeats there (Aedes #597). */
export function clientMayPublish(user: User | null, topic: string, clientId: string): boolean {
  return !topic.startsWith(SYS_PREFIX) && canPublish(user, topic, clientId);
}

export interface PublishPolicyOptions {
  sessions: WeakMap<Client, User | null>;
  throttle: PublishThrottle;
  hook: PublishHookRunner;
  /** Distinct filters one client may hold; 0 = unlimited. */
  maxSubscriptions: number;
  logger: Logger;
  metrics: BrokerMetrics;
}

export interface PublishPolicy {
  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void;
  authorizeSubscribe(client: Client, sub: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void;
  authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket;
  /** Frees the client's subscription slots for these filters (Aedes' 'unsubscribe' event). */
  unsubscribed(client: Client, filters: string[]): void;
  /** The filters the client holds. */
  heldFilters(client: Client): Iterable<string>;
}

export function createPublishPolicy(opts: PublishPolicyOptions): PublishPolicy {
  const { sessions, metrics, logger } = opts;
  /** The filters each client holds, counted against maxSubscriptions. */
  const filters = new WeakMap<Client, Set<string>>();

  const refuseSubscription = (client: Client, user: User | null | undefined, filter: string, reason: 'subscribe_forbidden' | 'too_many_subscriptions', why: string): void => {
    metrics.rejects.inc({ reason });
    logger.warn({ clientId: client.id, user: user?.name, filter }, `subscription refused: ${why}`);
  };

  return {
    authorizePublish(client, packet, done) {
      const user = client ? sessions.get(client) : null;
      const topic = packet.topic;
      if (user === undefined || !clientMayPublish(user, topic, client?.id ?? '')) {
        metrics.rejects.inc({ reason: 'publish_forbidden' });
        logger.warn({ clientId: client?.id, user: user?.name, topic }, 'publish refused by the ACL; closing the connection');
        done(new AclRefusal(`not allowed to publish on '${topic}'`));
        return;
      }
      metrics.messagesIn.inc();
      const willOwner = (packet as { clientId?: unknown }).clientId;
      const msg = {
        topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
        qos: packet.qos,
        retain: packet.retain,
        clientId: client?.id ?? (typeof willOwner === 'string' ? willOwner : null),
      };
      const pass = (): void => {
        void opts.hook.fromClient(msg, packet.messageId).then((err) => done(err));
      };
      // Aedes authorizes a last will with the closed client, or with null for a will left by a
      // previous run: a will is not held back by the rate.
      if (client === null || client.closed) pass();
      else opts.throttle.admit(client, pass);
    },

    authorizeSubscribe(client, sub, done) {
      const user = sessions.get(client);
      if (user === undefined || !canSubscribe(user, sub.topic, client.id)) {
        refuseSubscription(client, user, sub.topic, 'subscribe_forbidden', 'not allowed by the ACL');
        done(null, null);
        return;
      }
      let held = filters.get(client);
      if (!held) filters.set(client, (held = new Set()));
      if (opts.maxSubscriptions > 0 && !held.has(sub.topic) && held.size >= opts.maxSubscriptions) {
        refuseSubscription(client, user, sub.topic, 'too_many_subscriptions', `the client already holds ${opts.maxSubscriptions}`);
        done(null, null);
        return;
      }
      held.add(sub.topic);
      done(null, sub);
    },

    unsubscribed(client, gone) {
      const held = filters.get(client);
      for (const filter of gone) held?.delete(filter);
    },

    heldFilters: (client) => filters.get(client) ?? [],

    authorizeForward(_client, packet) {
      metrics.messagesOut.inc();
      return packet;
    },
  };
}
