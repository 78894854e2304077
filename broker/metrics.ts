/** The broker's Prometheus metrics, registered on the caller's Registry and removed again on close. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type HotCounter, type Tally, hotCounter } from '../metrics/hot-counter.js';

export type Transport = 'tcp' | 'tls' | 'ws';

/** Why the broker turned something away; one label value each. */
export type RejectReason =
  | 'oversized'
  | 'malformed'
  | 'slow_consumer'
  | 'max_connections'
  | 'connect_rate'
  | 'keepalive'
  | 'client_id'
  | 'anonymous'
  | 'will_forbidden'
  | 'publish_forbidden'
  | 'subscribe_forbidden'
  | 'too_many_subscriptions'
  | 'queue_full'
  | 'login_rate'
  | 'tls_handshake'
  | 'access_revoked'
  | 'proxy_header'
  | 'client_cert'
  | 'receive_maximum'
  | 'over_client_maximum';

export interface BrokerMetrics {
  connections: Gauge<'transport'>;
  /** Per packet: tallies (metrics/hot-counter.ts). */
  messagesIn: Tally;
  messagesOut: Tally;
  bytesIn: HotCounter<'transport'>;
  bytesOut: HotCounter<'transport'>;
  readWaits: Counter<'transport'>;
  rejects: Counter<'reason'>;
  authFailures: Counter;
  throttled: Counter;
  hookFailures: Counter;
  /** Takes the metrics off the registry, so a later broker can register them again. */
  unregister(): void;
}

export function createBrokerMetrics(registry: Registry): BrokerMetrics {
  const registers = [registry];
  const names: string[] = [];
  const counter = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> => {
    names.push(name);
    return new Counter({ name, help, labelNames, registers });
  };
  const hot = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): HotCounter<L> => {
    names.push(name);
    return hotCounter({ name, help, labelNames, registers });
  };
  names.push('fleetwire_mqtt_connections');
  return {
    connections: new Gauge({ name: 'fleetwire_mqtt_connections', help: 'Open MQTT connections', labelNames: ['transport'] as const, registers }),
    messagesIn: hot('fleetwire_mqtt_messages_received_total', 'PUBLISH packets accepted from clients (after the ACL)').tally({}),
    messagesOut: hot('fleetwire_mqtt_messages_sent_total', 'PUBLISH packets delivered to clients').tally({}),
    bytesIn: hot('fleetwire_mqtt_received_bytes_total', 'Bytes read from MQTT clients', ['transport'] as const),
    bytesOut: hot('fleetwire_mqtt_sent_bytes_total', 'Bytes written to MQTT clients', ['transport'] as const),
    readWaits: counter('fleetwire_mqtt_read_waits_total', 'Chunks read from MQTT clients that waited for a later event-loop iteration because the per-iteration read budget was spent: the broker was reading at full speed', ['transport'] as const),
    rejects: counter('fleetwire_mqtt_rejects_total', 'Connections, packets and messages the broker turned away, by reason', ['reason'] as const),
    authFailures: counter('fleetwire_mqtt_auth_failures_total', 'Logins refused for a wrong user name or password'),
    throttled: counter('fleetwire_mqtt_throttled_total', 'Times a client went over its publish rate and was held back'),
    hookFailures: counter('fleetwire_mqtt_ingest_failures_total', 'Messages whose onPublish hook threw or rejected (the message still went through)'),
    unregister() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
