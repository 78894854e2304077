/**
 * A supply monitor on a mains feed (230 V) or a DC rail (12 V, 5 V): voltage with noise and
 * drift, sags and surges reported as events when they start, and the load's current and power.
 */
import { type Metrics, type Part, type PartHost, createDrift, hourOfDay, round } from './part.js';

export type Rail = 230 | 12 | 5;

/** Typical load current range (A) per rail. */
const LOAD_A: Record<Rail, [number, number]> = { 230: [0.5, 6], 12: [0.3, 3], 5: [0.1, 1.5] };
/** Chance per reading that a sag or a surge starts. */
const SAG_CHANCE = 0.003;
const SURGE_CHANCE = 0.0015;

interface Excursion {
  factor: number;
  readingsLeft: number;
}

export function createPower(host: PartHost, rail: Rail): Part {
  const { rng } = host;
  const offset = rng.normal(0, 0.01 * rail);
  const drift = createDrift(rng, 0.008 * rail, 30 * 60_000);
  const [minA, maxA] = LOAD_A[rail];
  const load = rng.uniform(minA, maxA);
  const startHour = rng.uniform(0, 24);
  let excursion: Excursion | null = null;

  const startExcursion = (type: 'sag' | 'surge', factor: number, voltage: number): void => {
    const readings = rng.int(1, 5);
    excursion = { factor, readingsLeft: readings };
    host.event({ type, rail: `${rail}V`, nominal: rail, voltage: round(voltage * factor, 2), durationMs: readings * host.intervalMs });
  };

  return {
    readings: ['voltage', 'current', 'power'],
    step(metrics: Metrics, simMs: number) {
      let voltage = rail + offset + drift(host.intervalMs) + rng.normal(0, 0.003 * rail);
      if (!excursion) {
        if (rng.chance(SAG_CHANCE)) startExcursion('sag', 1 - rng.uniform(0.1, 0.25), voltage);
        else if (rng.chance(SURGE_CHANCE)) startExcursion('surge', 1 + rng.uniform(0.06, 0.15), voltage);
      }
      if (excursion) {
        voltage *= excursion.factor;
        if (--excursion.readingsLeft === 0) excursion = null;
      }
      // Load follows the working day, more in the afternoon than at night.
      const daily = 1 + 0.3 * Math.sin((2 * Math.PI * (hourOfDay(startHour, simMs) - 9)) / 24);
      const current = Math.max(0, load * daily * (1 + rng.normal(0, 0.02)));
      metrics.voltage = round(voltage, 2);
      metrics.current = round(current, 3);
      metrics.power = round(voltage * current, 1);
    },
  };
}
