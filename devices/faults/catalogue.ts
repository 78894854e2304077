/**
 * The faults a fleet can be told to show, by name, with their parameters. Each one can be
 * switched on for one device, a fraction of the fleet, or all of it, and switched off again.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';

export interface ParamSpec {
  default: number;
  min: number;
  max: number;
  doc: string;
}

export interface FaultSpec {
  summary: string;
  params: Record<string, ParamSpec>;
}

const YEAR_MS = 365 * 24 * 3_600_000;

export const FAULTS = {
  drop: { summary: 'connection cut without DISCONNECT (the broker publishes the last will) and kept down until cleared', params: {} },
  storm: {
    summary: 'connection cut on every target at once; each comes back with its own backoff and jitter',
    params: { everyMs: { default: 30_000, min: 0, max: 24 * 3_600_000, doc: 'ms between storms while on; 0: one storm only' } },
  },
  stuck: { summary: 'sensor readings freeze at the values they had when the fault came on', params: {} },
  'out-of-range': { summary: 'readings far outside anything the sensor can measure', params: {} },
  malformed: {
    summary: 'telemetry payloads broken in turn: cut-off JSON, numbers as strings, non-objects, bad metric names, non-numeric text on telemetry/{metric}',
    params: {},
  },
  skew: { summary: 'device timestamps (`ts`) off by `ms`', params: { ms: { default: 3_600_000, min: -YEAR_MS, max: YEAR_MS, doc: 'ms added to the device clock' } } },
  latency: { summary: 'telemetry, events and acks leave `ms` late', params: { ms: { default: 2000, min: 0, max: 600_000, doc: 'ms of added delay' } } },
  loss: { summary: 'telemetry, events and acks dropped at random', params: { rate: { default: 0.5, min: 0, max: 1, doc: 'chance each publish is dropped' } } },
  'no-ack': { summary: 'commands are carried out but never acked', params: {} },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;
export type FaultParams = Record<string, number>;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export const isFaultName = (s: string): s is FaultName => Object.hasOwn(FAULTS, s);

/** Validates `raw` (an object of numbers, or undefined) against the fault's parameters and fills defaults. */
export function parseFaultParams(name: FaultName, raw: unknown): Result<FaultParams> {
  const specs: Record<string, ParamSpec> = FAULTS[name].params;
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    return fail('bad_param', `params of ${name} must be an object`);
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const stranger = Object.keys(given).find((k) => !Object.hasOwn(specs, k));
  if (stranger !== undefined) {
    const known = Object.keys(specs);
    return fail('bad_param', `${name} has no parameter '${stranger}'${known.length ? ` (it takes ${known.join(', ')})` : ''}`);
  }
  const params: FaultParams = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = given[key] ?? spec.default;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      return fail('bad_param', `${name}.${key} must be a number from ${spec.min} to ${spec.max}`);
    }
    params[key] = value;
  }
  return ok(params);
}
