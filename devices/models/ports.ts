/**
 * A hot-plug hub: N ports where peripherals attach and detach at random moments. Each change
 * goes out as a `hotplug` event, and the whole port map rides in the retained status
 * (the contract keeps status and led as the only retained topics), so a late subscriber sees it.
 */
import type { HotplugEvent } from '../../protocol/payloads.js';
import type { JsonObject, Metrics, Part, PartHost } from './part.js';

const PERIPHERALS = ['usb-storage', 'keyboard', 'camera', 'serial-adapter', 'zigbee-dongle', 'lte-modem'] as const;

/** Chance per reading that one port changes; about one change per 50 readings. */
const CHANGE_CHANCE = 0.02;

export function createPorts(host: PartHost, count: number): Part {
  const { rng } = host;
  const ports: Array<string | null> = Array.from({ length: count }, () => (rng.chance(0.4) ? rng.pick(PERIPHERALS) : null));

  const map = (): JsonObject => Object.fromEntries(ports.map((p, i) => [String(i + 1), p]));

  return {
    readings: ['ports_used'],
    step(metrics: Metrics) {
      if (rng.chance(CHANGE_CHANCE)) {
        const index = rng.int(0, count - 1);
        const current = ports[index] ?? null;
        const peripheral = current ?? rng.pick(PERIPHERALS);
        ports[index] = current ? null : peripheral;
        const event: HotplugEvent = { type: 'hotplug', port: index + 1, action: current ? 'detached' : 'attached', peripheral };
        host.event({ ...event });
        host.statusChanged();
      }
      metrics.ports_used = ports.filter((p) => p !== null).length;
    },
    status: () => ({ ports: map() }),
  };
}
