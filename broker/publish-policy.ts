/**
 * What a connected client may do, as Aedes' authorize handlers. A PUBLISH passes, in order:
 * the ACL (a refusal closes the connection, one of the two answers MQTT 3.1.1 allows
 * [MQTT-3.3.5-2]), the client's publish rate, and the ingest hook (awaited for QoS 1/2, so
 * PUBACK/PUBREC follows it). A refused subscription gets the 0x80 failure code [MQTT-3.9.3].
 */
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { type User, canPublish, canSubscribe } from '../auth/index.js';
import type { Ingest } from './ingest.js';
import type { BrokerMetrics } from './metrics.js';
import type { PublishThrottle } from './publish-throttle.js';

const SYS_PREFIX = '$SYS/';

/** A publish the ACL refused; already logged and counted when Aedes reports it. */
export class AclRefusal extends Error {}

export interface PublishPolicyOptions {
  sessions: WeakMap<Client, User | null>;
  throttle: PublishThrottle;
  ingest: Ingest;
  logger: Logger;
  metrics: BrokerMetrics;
}

export interface PublishPolicy {
  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void;
  authorizeSubscribe(client: Client, sub: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void;
  authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket;
}

export function createPublishPolicy(opts: PublishPolicyOptions): PublishPolicy {
  const { sessions, metrics, logger } = opts;

  return {
    authorizePublish(client, packet, done) {
      // Aedes authorizes a last will with the closed client, or with null for a will left by a
      // previous run; wills were checked against the ACL at CONNECT.
      const isWill = client === null || client.closed;
      const user = client ? sessions.get(client) : null;
      const topic = packet.topic;
      // $SYS/ is the broker's own; clients publishing there could forge heartbeats (Aedes #597).
      if (user === undefined || topic.startsWith(SYS_PREFIX) || !canPublish(user, topic)) {
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
        void opts.ingest.fromClient(msg, packet.messageId).then(() => done(null));
      };
      if (isWill || client === null) pass();
      else opts.throttle.admit(client, pass);
    },

    authorizeSubscribe(client, sub, done) {
      const user = sessions.get(client);
      if (user === undefined || !canSubscribe(user, sub.topic)) {
        metrics.rejects.inc({ reason: 'subscribe_forbidden' });
        logger.warn({ clientId: client.id, user: user?.name, filter: sub.topic }, 'subscription refused by the ACL');
        done(null, null);
        return;
      }
      done(null, sub);
    },

    authorizeForward(_client, packet) {
      metrics.messagesOut.inc();
      return packet;
    },
  };
}
