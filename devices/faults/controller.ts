/**
 * Run-time control of the fleet's faults. Targets are one device id, a fraction of the fleet
 * (`0.25`, `"25%"`), or `all`. A fraction picks devices by a hash of (seed, fault, device),
 * so the same fraction always hits the same devices and clearing it releases exactly them.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';
import { unitHash } from '../random.js';
import { FAULTS, FAULT_NAMES, type FaultName, type FaultParams, type ParamSpec, isFaultName, parseFaultParams } from './catalogue.js';

export type FaultTarget = string | number;

export interface FaultView {
  name: FaultName;
  summary: string;
  /** Parameters of the most recent application. */
  params: FaultParams;
  /** How many devices show it now. */
  devices: number;
  /** Up to SAMPLE_SIZE of their ids. */
  sample: string[];
}

export interface FaultInfo {
  name: FaultName;
  summary: string;
  params: Record<string, ParamSpec>;
}

export interface FaultController {
  /**
   * Switches `name` on for `target` (default all), with `params` checked against the catalogue.
   * Nothing changes unless everything is valid.
   */
  apply(name: string, target?: FaultTarget, params?: unknown): Result<FaultView>;
  /** Switches `name` off for `target` (default all); no name: every fault off everywhere. */
  clear(name?: string, target?: FaultTarget): Result<{ cleared: number }>;
  /** The faults on now, each with the devices showing it. */
  list(): FaultView[];
  catalogue(): FaultInfo[];
}

/** What the controller needs of a device. */
export interface FaultableDevice {
  readonly id: string;
  readonly faults: ReadonlyMap<FaultName, FaultParams>;
  setFault(name: FaultName, params: FaultParams): void;
  clearFault(name: FaultName): void;
}

const SAMPLE_SIZE = 10;
const PERCENT = /^(\d{1,3}(?:\.\d+)?)%$/;
const FRACTION = /^(?:0|1|0?\.\d+|1\.0+)$/;

/** Resolves a target to devices; fractions round to at least one device. */
function resolveTarget<D extends FaultableDevice>(devices: readonly D[], seed: number, fault: FaultName, target: FaultTarget = 'all'): Result<D[]> {
  if (target === 'all') return ok([...devices]);
  let fraction: number | null = null;
  if (typeof target === 'number') fraction = target;
  else if (PERCENT.test(target)) fraction = Number(target.slice(0, -1)) / 100;
  else if (FRACTION.test(target)) fraction = Number(target);
  if (fraction === null) {
    const device = devices.find((d) => d.id === target);
    return device ? ok([device]) : fail('unknown_device', `no device '${String(target)}' in this fleet`);
  }
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) return fail('bad_param', `target fraction must be above 0 and at most 1, got ${String(target)}`);
  const k = Math.max(1, Math.round(devices.length * fraction));
  const ranked = devices.map((d) => ({ d, h: unitHash(seed, `${fault}\u0000${d.id}`) })).sort((a, b) => a.h - b.h);
  return ok(ranked.slice(0, k).map((r) => r.d));
}

export function createFaultController(devices: readonly FaultableDevice[], seed: number): FaultController {
  /** Params of each fault some device may show; a fault leaves once cleared everywhere, so list() scans only these. */
  const latest = new Map<FaultName, FaultParams>();

  const view = (name: FaultName): FaultView => {
    const showing = devices.filter((d) => d.faults.has(name));
    return {
      name,
      summary: FAULTS[name].summary,
      params: latest.get(name) ?? {},
      devices: showing.length,
      sample: showing.slice(0, SAMPLE_SIZE).map((d) => d.id),
    };
  };
  const known = (name: string): Result<FaultName> =>
    isFaultName(name) ? ok(name) : fail('bad_param', `unknown fault '${name}' (faults: ${FAULT_NAMES.join(', ')})`);

  return {
    apply: (name, target, params) => {
      const fault = known(name);
      if (!fault.ok) return fault;
      const parsed = parseFaultParams(fault.value, params);
      if (!parsed.ok) return parsed;
      const targets = resolveTarget(devices, seed, fault.value, target);
      if (!targets.ok) return targets;
      latest.set(fault.value, parsed.value);
      for (const d of targets.value) d.setFault(fault.value, parsed.value);
      return ok(view(fault.value));
    },
    clear: (name, target) => {
      const names: FaultName[] = [];
      if (name === undefined) names.push(...FAULT_NAMES);
      else {
        const fault = known(name);
        if (!fault.ok) return fault;
        names.push(fault.value);
      }
      let cleared = 0;
      for (const n of names) {
        const targets = resolveTarget(devices, seed, n, target);
        if (!targets.ok) return targets;
        for (const d of targets.value) {
          if (!d.faults.has(n)) continue;
          d.clearFault(n);
          cleared++;
        }
        if (latest.has(n) && !devices.some((d) => d.faults.has(n))) latest.delete(n);
      }
      return ok({ cleared });
    },
    // Read by every stats() and metrics scrape: one scan of the fleet per fault name would cost
    // 90,000 lookups a call at 10,000 devices (2 % of the fleet bench's CPU, polling once a second).
    list: () => FAULT_NAMES.filter((name) => latest.has(name)).map(view).filter((v) => v.devices > 0),
    catalogue: () => FAULT_NAMES.map((name) => ({ name, summary: FAULTS[name].summary, params: FAULTS[name].params })),
  };
}
