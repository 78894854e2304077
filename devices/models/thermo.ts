/**
 * A temperature sensor in a room or a cabinet: a daily cycle peaking mid-afternoon, slow
 * drift, sensor noise, and the odd one-reading spike (a door opened, a fan stalled).
 */
import { type Metrics, type Part, type PartHost, createDrift, hourOfDay, round } from './part.js';

export type ThermoSite = 'room' | 'cabinet';

/** Chance per reading of a spike. */
const SPIKE_CHANCE = 0.002;

export function createThermo(host: PartHost, site: ThermoSite): Part {
  const { rng } = host;
  const base = site === 'room' ? rng.normal(21, 1.2) : rng.normal(34, 3);
  const amplitude = site === 'room' ? rng.uniform(1, 2.5) : rng.uniform(2, 5);
  const peakHour = rng.uniform(14, 17);
  const startHour = rng.uniform(0, 24);
  const noiseSd = rng.uniform(0.03, 0.08);
  const drift = createDrift(rng, site === 'room' ? 0.6 : 1.2, 3 * 3_600_000);

  return {
    readings: ['temperature'],
    step(metrics: Metrics, simMs: number) {
      const hour = hourOfDay(startHour, simMs);
      const daily = amplitude * Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
      const spike = rng.chance(SPIKE_CHANCE) ? rng.pick([-1, 1]) * rng.uniform(3, 8) : 0;
      metrics.temperature = round(base + daily + drift(host.intervalMs) + rng.normal(0, noiseSd) + spike, 2);
    },
  };
}
