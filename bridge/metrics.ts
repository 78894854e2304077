/** The bridge's Prometheus metrics, registered once on the registry the hub passes in. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type HotCounter, hotCounter } from '../metrics/hot-counter.js';

export interface BridgeMetrics {
  messages: HotCounter<'kind'>;
  rejects: Counter<'code'>;
  subscribers: Gauge<'transport'>;
  deliveries: HotCounter<'transport'>;
  bytes: HotCounter<'transport'>;
  catchups: Counter<'transport'>;
  cutoffs: Counter<'transport' | 'reason'>;
  commands: Counter<'status'>;
}

export function createBridgeMetrics(registry: Registry): BridgeMetrics {
  const registers = [registry];
  return {
    messages: hotCounter({ name: 'fleetwire_bridge_messages_total', help: 'Messages recorded by the hub, by kind', labelNames: ['kind'], registers }),
    rejects: new Counter({ name: 'fleetwire_bridge_rejects_total', help: 'Device payloads refused at ingest, by error code', labelNames: ['code'], registers }),
    subscribers: new Gauge({ name: 'fleetwire_bridge_subscribers', help: 'Browser subscribers connected, by transport', labelNames: ['transport'], registers }),
    deliveries: hotCounter({ name: 'fleetwire_bridge_deliveries_total', help: 'Messages handed to browser transports', labelNames: ['transport'], registers }),
    bytes: hotCounter({ name: 'fleetwire_bridge_bytes_total', help: 'Bytes written to browser transports', labelNames: ['transport'], registers }),
    catchups: new Counter({
      name: 'fleetwire_bridge_catchups_total',
      help: 'Times a subscriber overflowed its queue and fell back to reading from the store',
      labelNames: ['transport'],
      registers,
    }),
    cutoffs: new Counter({ name: 'fleetwire_bridge_cutoffs_total', help: 'Subscribers ended by the hub, by reason', labelNames: ['transport', 'reason'], registers }),
    commands: new Counter({ name: 'fleetwire_bridge_commands_total', help: 'Command state changes, by new state', labelNames: ['status'], registers }),
  };
}
