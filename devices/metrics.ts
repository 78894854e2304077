/**
 * The fleet's Prometheus metrics, all named `fleetwire_fleet_*`. Devices report through the
 * small FleetCounters interface; gauges read live state when scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Tally, hotCounter } from '../metrics/hot-counter.js';

export type DropReason = 'buffer_full' | 'loss';

export interface FleetCounters {
  /** A publish the broker acked, by contract channel (`telemetry`, `events`, `status`, …). */
  sent(channel: string): void;
  dropped(reason: DropReason, count: number): void;
  connected(): void;
  disconnected(): void;
  refused(): void;
  /** A command handled: `acked` ok, `refused` ok:false, `ignored` no usable id so no ack possible. */
  command(outcome: 'acked' | 'refused' | 'ignored'): void;
}

export interface FleetGauges {
  devices(): Record<string, number>;
  online(): number;
  buffered(): number;
  lagSeconds(): number;
  faults(): Record<string, number>;
}

export interface FleetMetrics {
  counters: FleetCounters;
  /** Removes the fleet's metrics from the registry, so a new fleet can register them again. */
  close(): void;
}

export function createFleetMetrics(registry: Registry, gauges: FleetGauges): FleetMetrics {
  const names: string[] = [];
  const reg = <T>(name: string, make: (name: string) => T): T => {
    names.push(name);
    return make(name);
  };
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    reg(name, (n) => new Counter({ name: n, help, labelNames, registers: [registry] }));
  const perLabel = (name: string, help: string, label: string, read: () => Record<string, number>) =>
    reg(name, (n) =>
      new Gauge({
        name: n,
        help,
        labelNames: [label],
        registers: [registry],
        collect() {
          this.reset();
          for (const [k, v] of Object.entries(read())) this.set({ [label]: k }, v);
        },
      }),
    );
  const single = (name: string, help: string, read: () => number) =>
    reg(name, (n) =>
      new Gauge({
        name: n,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      }),
    );

  // Acks are tallied (one per reading) and summed into the counter when it is read.
  const published = reg('fleetwire_fleet_published_total', (n) => hotCounter({ name: n, help: 'Device publishes acked by the broker, by channel', labelNames: ['channel'], registers: [registry] }));
  const publishedBy = new Map<string, Tally>();
  const dropped = counter('fleetwire_fleet_dropped_total', 'Device publishes dropped: buffer_full (offline too long) or loss (the loss fault)', ['reason']);
  const connects = counter('fleetwire_fleet_connects_total', 'Device connections established');
  const disconnects = counter('fleetwire_fleet_disconnects_total', 'Device connections lost or closed');
  const refusals = counter('fleetwire_fleet_refused_total', 'Device connections refused by the broker');
  const commands = counter('fleetwire_fleet_commands_total', 'Commands received by devices, by outcome', ['outcome']);
  perLabel('fleetwire_fleet_devices', 'Simulated devices by model', 'model', gauges.devices);
  perLabel('fleetwire_fleet_faults_active', 'Devices showing each fault', 'fault', gauges.faults);
  single('fleetwire_fleet_online', 'Devices connected now', gauges.online);
  single('fleetwire_fleet_buffered_messages', 'QoS 1 messages waiting in device buffers', gauges.buffered);
  single('fleetwire_fleet_schedule_lag_seconds', 'Worst lateness of a device reading in the last second', gauges.lagSeconds);

  return {
    counters: {
      sent(channel) {
        let tally = publishedBy.get(channel);
        if (!tally) publishedBy.set(channel, (tally = published.tally({ channel })));
        tally.inc(1);
      },
      dropped: (reason, count) => dropped.inc({ reason }, count),
      connected: () => connects.inc(),
      disconnected: () => disconnects.inc(),
      refused: () => refusals.inc(),
      command: (outcome) => commands.inc({ outcome }),
    },
    close: () => {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
