/**
 * The fleet runner: builds every device, connects them through a bounded gate, steps them on
 * one shared scheduler, and hands out fault control. Each device is a real MQTT client, so
 * the fleet runs against fleetwire's broker or any other.
 */
import { Registry } from 'prom-client';
import type { Route } from '../http/router.js';
import { controlRoutes } from './control-routes.js';
import { createConnectGate } from './connect-gate.js';
import { type SimDevice, createDevice } from './device.js';
import { type FaultController, type FaultView, createFaultController } from './faults/controller.js';
import { createFleetMetrics } from './metrics.js';
import { MODEL_NAMES, type ModelName } from './models/catalogue.js';
import { type FleetOptions, allocateModels, resolveOptions } from './options.js';
import type { FleetTally } from './outbox.js';
import { type LagStats, createScheduler } from './scheduler.js';

export interface FleetStats {
  devices: number;
  online: number;
  models: Record<ModelName, number>;
  /** QoS 1 messages waiting in device buffers. */
  buffered: number;
  /** How late readings ran in the last second: the generator is keeping up while this stays small. */
  lag: LagStats;
  faults: FaultView[];
}

export interface Fleet {
  readonly devices: ReadonlyArray<{ id: string; model: ModelName }>;
  /**
   * Resolves when every device has connected once and published its birth status. Rejects
   * when the broker refuses a device (bad credentials, not authorised) or the fleet closes first.
   */
  ready(): Promise<void>;
  /** Apply, clear and list named faults; targets: one id, a fraction, or all. */
  faults: FaultController;
  /** HTTP routes for run-time control, all under /api/fleet (see control-routes.ts). */
  routes(): Route[];
  stats(): FleetStats;
  /** Disconnects every device cleanly (retained offline status, then DISCONNECT). Safe to call twice. */
  close(): Promise<void>;
}

/** Builds the fleet and starts connecting; the promise resolves before the devices are online (see ready()). */
export async function createFleet(opts: FleetOptions): Promise<Fleet> {
  const o = resolveOptions(opts);
  const logger = opts.logger.child({ part: 'fleet' });
  const scheduler = createScheduler({ onError: (err) => logger.error({ err }, 'device step failed') });
  const gate = createConnectGate(o.connectConcurrency);
  const models = allocateModels(o.count, o.mix);
  const modelCounts = Object.fromEntries(MODEL_NAMES.map((m) => [m, models.filter((x) => x === m).length])) as Record<ModelName, number>;
  let devices: SimDevice[] = [];
  let closing: Promise<void> | null = null;
  let refuse: (err: Error) => void = () => {};
  let refusedOnce = false;

  // Kept by the links as they go: summing 10,000 devices on every stats() cost 4 % of the fleet's CPU when polled once a second.
  const tally: FleetTally = { online: 0, buffered: 0 };
  const metrics = createFleetMetrics(opts.metrics ?? new Registry(), {
    devices: () => modelCounts,
    online: () => tally.online,
    buffered: () => tally.buffered,
    lagSeconds: () => scheduler.lag().maxMs / 1000,
    faults: () => Object.fromEntries(faults.list().map((f) => [f.name, f.devices])),
  });

  const onRefused = (device: string, err: Error): void => {
    // Refused devices keep retrying with backoff; say so once, not once per device per attempt.
    if (!refusedOnce) logger.warn({ device, err: err.message }, 'broker refused a device; check --credentials');
    refusedOnce = true;
    refuse(new Error(`broker refused device ${device}: ${err.message}`));
  };

  const serial = new Map<ModelName, number>();
  devices = models.map((model) => {
    const n = (serial.get(model) ?? 0) + 1;
    serial.set(model, n);
    const id = `${o.idPrefix}${model}-${n}`;
    const credentials = o.credentials?.(id);
    return createDevice({
      id,
      model,
      seed: o.seed,
      intervalMs: o.intervalMs,
      firmwareDurationMs: o.firmwareDurationMs,
      url: o.broker,
      ...(credentials ? { credentials } : {}),
      keepaliveS: o.keepaliveS,
      connectTimeoutMs: o.connectTimeoutMs,
      backoff: o.reconnect,
      bufferLimit: o.bufferLimit,
      haDiscovery: o.haDiscovery,
      maxInflight: o.maxInflight,
      scheduler,
      gate,
      logger,
      tally,
      counters: metrics.counters,
      onRefused,
    });
  });
  const faults = createFaultController(devices, o.seed);

  const ready = new Promise<void>((resolve, reject) => {
    refuse = reject;
    void Promise.all(devices.map((d) => d.born)).then(() => resolve());
  });
  // ready() may never be called; its rejection must not count as unhandled.
  ready.catch(() => {});

  const stats = (): FleetStats => ({
    devices: devices.length,
    online: tally.online,
    models: modelCounts,
    buffered: tally.buffered,
    lag: scheduler.lag(),
    faults: faults.list(),
  });

  const fleet: Fleet = {
    devices: devices.map((d) => ({ id: d.id, model: d.model })),
    ready: () => ready,
    faults,
    routes: () => controlRoutes({ devices, faults, stats }),
    stats,
    close: () => {
      closing ??= (async () => {
        refuse(new Error('fleet closed before every device was online'));
        gate.close();
        await Promise.all(devices.map((d) => d.close()));
        scheduler.close();
        metrics.close();
        logger.info({ devices: devices.length }, 'fleet closed');
      })();
      return closing;
    },
  };

  for (const d of devices) d.start();
  logger.info({ devices: devices.length, broker: o.broker, models: modelCounts, seed: o.seed }, 'fleet starting');
  return fleet;
}
