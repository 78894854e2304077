/** The bridge's Prometheus metrics, registered once on the registry the hub passes in. */
import { Counter, type CounterConfiguration, Gauge, type LabelValues, type Registry } from 'prom-client';

/** Adds to one labelled series of a counter. */
export interface Tally {
  inc(n: number): void;
}

/**
 * A counter counted once per write to a browser: `tally(labels)` adds up in a plain number that
 * reaches the counter when /metrics is read. prom-client's `labels().inc` hashes and checks
 * the labels on every call, a cost paid a hundred thousand times a second at full fan-out.
 */
export interface HotCounter<L extends string> extends Counter<L> {
  tally(labels: LabelValues<L>): Tally;
}

function hotCounter<L extends string>(config: CounterConfiguration<L>): HotCounter<L> {
  const pending = new Map<string, { labels: LabelValues<L>; n: number }>();
  const counter = new Counter<L>({
    ...config,
    collect() {
      for (const entry of pending.values()) {
        if (entry.n > 0) this.inc(entry.labels, entry.n);
        entry.n = 0;
      }
    },
  });
  const names = (config.labelNames ?? []) as readonly L[];
  return Object.assign(counter, {
    tally(labels: LabelValues<L>): Tally {
      const key = names.map((name) => String(labels[name] ?? '')).join('\0');
      let entry = pending.get(key);
      if (!entry) {
        entry = { labels, n: 0 };
        pending.set(key, entry);
      }
      const held = entry;
      return { inc: (n) => void (held.n += n) };
    },
  });
}

export interface BridgeMetrics {
  messages: Counter<'kind'>;
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
    messages: new Counter({ name: 'fleetwire_bridge_messages_total', help: 'Messages recorded by the hub, by kind', labelNames: ['kind'], registers }),
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
