/**
 * The five device models and what each is made of. The label goes in the status payload's
 * `model` field (`thermo-1`, `power-230`, `hub-4`, …), so a dashboard can tell variants apart.
 */
import { createLed } from './led.js';
import type { Part, PartHost } from './part.js';
import { createPorts } from './ports.js';
import { type Rail, createPower } from './power.js';
import { createThermo } from './thermo.js';

export const MODEL_NAMES = ['thermo', 'power', 'led', 'hub', 'edge'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const isModelName = (s: string): s is ModelName => (MODEL_NAMES as readonly string[]).includes(s);

export interface BuiltModel {
  label: string;
  parts: Part[];
}

/** Builds the parts of `model`; variant choices (site, rail, port count) come from the host's rng. */
export function buildModel(model: ModelName, host: PartHost): BuiltModel {
  const { rng } = host;
  switch (model) {
    case 'thermo':
      return { label: 'thermo-1', parts: [createThermo(host, rng.chance(0.7) ? 'room' : 'cabinet')] };
    case 'power': {
      const rail = rng.pick<Rail>([230, 230, 12, 5]);
      return { label: `power-${rail}`, parts: [createPower(host, rail)] };
    }
    case 'led':
      return { label: 'led-rgb', parts: [createLed(host)] };
    case 'hub': {
      const ports = rng.pick([4, 4, 8]);
      return { label: `hub-${ports}`, parts: [createPorts(host, ports)] };
    }
    case 'edge':
      // A cabinet controller: warm enclosure, 12 V rail, a status LED and four ports.
      return { label: 'edge-1', parts: [createThermo(host, 'cabinet'), createPower(host, 12), createLed(host), createPorts(host, 4)] };
  }
}
