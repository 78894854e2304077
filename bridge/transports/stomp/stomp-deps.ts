/** What the STOMP transport is built from: the other transports' parts plus publishing and the user queues. */
import type { TransportDeps } from '../transport-deps.js';
import type { UserQueues } from './user-queues.js';

export interface StompDeps extends TransportDeps {
  /** Publishes as the hub, through the broker: a broadcast reaches MQTT clients and every transport. Settles once recorded. */
  publish(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void>;
  userQueues: UserQueues;
}
