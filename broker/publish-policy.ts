/**
 * What a connected client may do, as Aedes' authorize handlers. A PUBLISH passes, in order:
 * the inbound flow window (inbound-window.ts), the ACL, the client's publish rate, and the
 * publish hook (awaited for QoS 1/2, so PUBACK/PUBREC follows it). An ACL refusal closes a
 * 3.1.1 connection, one of the two answers it allows [MQTT-3.3.5-2]; an MQTT 5 client stays
 * connected and Aedes answers a QoS 1/2 message with reason code 0x87 [MQTT-3.3.5-2 of v5].
 * A refused subscription gets 0x80 (3.1.1 [MQTT-3.9.3]) or 0x87 (MQTT 5).
 */
import type { AedesPublishPacket, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { type User, canPublish, canSubscribe } from '../auth/index.js';
import type { Publish } from '../protocol/publish.js';
import type { InboundWindow } from './inbound-window.js';
import { fitsClient } from './outbound-size.js';
import type { HookAnswer, PublishHookRunner } from './publish-hook.js';
import { publishProps } from './publish-props.js';
import type { BrokerMetrics } from './metrics.js';
import type { Admitted, PublishThrottle } from './publish-throttle.js';
import { withSubscriptionIds } from './subscription-ids.js';

const SYS_PREFIX = '$SYS/';
/** MQTT 5 DISCONNECT reason code 0x89 [MQTT-3.14.2.1]: the message was not taken, send it again later. */
const SERVER_BUSY = 0x89;

/** A publish the ACL refused; already logged and counted when Aedes reports it. */
export class AclRefusal extends Error {}

/** The ACL, plus `$SYS/`, which is the broker's own: clients could forge its heartbeats there (Aedes #597). */
export function clientMayPublish(user: User | null, topic: string, clientId: string): boolean {
  return !topic.startsWith(SYS_PREFIX) && canPublish(user, topic, clientId);
}

export interface PublishPolicyOptions {
  sessions: WeakMap<Client, User | null>;
  throttle: PublishThrottle;
  window: InboundWindow;
  hook: PublishHookRunner;
  /** Distinct filters one client may hold; 0 = unlimited. */
  maxSubscriptions: number;
  logger: Logger;
  metrics: BrokerMetrics;
}

type AedesDone = (error?: Error | null) => void;

/** Answers Aedes for a PUBLISH, first freeing its place in the flow window of the client (`live`: connected, not a will). */
function reply(window: InboundWindow, client: Client | null, live: boolean, packet: PublishPacket, settled: AedesDone, err: Error | null): void {
  if (live && client !== null && packet.qos === 1) window.acknowledged(client);
  settled(err);
}

/**
 * One accepted PUBLISH on its way past the rate (go) and through the hook (answered) to Aedes.
 * An object with methods rather than a closure for each step: every message of a flood makes one.
 */
class ClientPublish implements Admitted, HookAnswer {
  constructor(
    private readonly opts: PublishPolicyOptions,
    private readonly client: Client | null,
    private readonly packet: PublishPacket,
    private readonly msg: Publish<Buffer>,
    private readonly settled: AedesDone,
    /** The client is connected: not a last will. */
    private readonly live: boolean,
  ) {}

  go(): void {
    this.opts.hook.fromClient(this.msg, this.packet.messageId, this);
  }

  answered(err: Error | null): void {
    // Aedes answers an MQTT 5 client's refused message with a negative PUBACK, which would
    // tell it not to send again: it is disconnected unacknowledged instead, as a 3.1.1 one is.
    if (err && this.live && this.client?.version === 5) this.client.disconnect({ reasonCode: SERVER_BUSY });
    else reply(this.opts.window, this.client, this.live, this.packet, this.settled, err);
  }
}

export interface PublishPolicy {
  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void;
  authorizeSubscribe(client: Client, sub: Subscription, done: (error: Error | null, sub?: Subscription | null) => void): void;
  authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null;
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
    authorizePublish(client, packet, settled) {
      const user = client ? sessions.get(client) : null;
      const topic = packet.topic;
      const live = client !== null && !client.closed;
      if (live && packet.qos > 0 && opts.window.overflows(client)) return;
      if (user === undefined || !clientMayPublish(user, topic, client?.id ?? '')) {
        metrics.rejects.inc({ reason: 'publish_forbidden' });
        logger.warn({ clientId: client?.id, user: user?.name, topic }, client?.version === 5 ? 'publish refused by the ACL' : 'publish refused by the ACL; closing the connection');
        reply(opts.window, client, live, packet, settled, new AclRefusal(`not allowed to publish on '${topic}'`));
        return;
      }
      // [MQTT-3.3.1-3] The DUP flag of the copies sent to subscribers is the broker's own; this
      // one was the publisher's, about its own retransmission to the broker.
      packet.dup = false;
      metrics.messagesIn.inc(1);
      const willOwner = (packet as { clientId?: unknown }).clientId;
      const msg: Publish<Buffer> = {
        topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
        qos: packet.qos,
        retain: packet.retain,
        clientId: client?.id ?? (typeof willOwner === 'string' ? willOwner : null),
      };
      const props = publishProps(packet.properties);
      if (props) msg.props = props;
      const publish = new ClientPublish(opts, client, packet, msg, settled, live);
      // Aedes authorizes a last will with the closed client, or with null for a will left by a
      // previous run: a will is not held back by the rate. Will Delay Interval is a property of
      // the will only, not of the PUBLISH it becomes [MQTT-3.3.2.3] (Aedes passes it on).
      if (client === null || client.closed) {
        const properties = packet.properties as Record<string, unknown> | undefined;
        if (properties?.willDelayInterval !== undefined) {
          const { willDelayInterval: _delay, ...publishProperties } = properties;
          packet.properties = publishProperties;
        }
        publish.go();
      }
      else opts.throttle.admit(client, publish);
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

    authorizeForward(client, delivered) {
      // The identifiers first: they count towards the client's Maximum Packet Size.
      const packet = withSubscriptionIds(client, delivered);
      if (!fitsClient(client, packet)) {
        metrics.rejects.inc({ reason: 'over_client_maximum' });
        logger.debug({ clientId: client.id, topic: packet.topic, max: client.maximumPacketSize }, "message over the client's Maximum Packet Size: not sent to it");
        return null;
      }
      metrics.messagesOut.inc(1);
      return packet;
    },
  };
}
