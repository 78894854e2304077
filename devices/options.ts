/**
 * The fleet's options: one typed defaults object, merged by spread and validated once, before
 * any socket opens. Every invalid option fails with a message naming it.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isDeviceId } from '../protocol/names.js';
import type { BackoffOptions } from './backoff.js';
import { MODEL_NAMES, type ModelName, isModelName } from './models/catalogue.js';

export interface FleetOptions {
  /** e.g. 'mqtt://127.0.0.1:1883' (also ws://, wss://, mqtts://: see session.ts). */
  broker: string;
  count: number;
  /** Weights per model; default thermo 40, power 30, led 10, hub 10, edge 10. */
  mix?: Partial<Record<ModelName, number>>;
  /** ms between readings of one device; default 1000. */
  intervalMs?: number;
  /** Same seed, same readings and events; default 1. */
  seed?: number;
  /** Device ids are `${idPrefix}${model}-${n}`; they must satisfy the contract's device id rule. */
  idPrefix?: string;
  /** Per-device user name and password; undefined: connect without. */
  credentials?: (deviceId: string) => { username: string; password: string } | undefined;
  /** ms a firmware job takes from accept to reboot; default 10000. */
  firmwareDurationMs?: number;
  /** Devices in the middle of connecting at once; default 100. */
  connectConcurrency?: number;
  /** s, MQTT keepalive per device; default 60; 0 disables pings. */
  keepaliveS?: number;
  /** ms to wait for CONNACK; default 10000. */
  connectTimeoutMs?: number;
  /** Reconnect backoff: window of the first retry and the largest window, ms; default 1000 and 60000. */
  reconnect?: Partial<BackoffOptions>;
  /** Each device announces itself to Home Assistant (MQTT discovery) and obeys its light commands; default false. */
  haDiscovery?: boolean;
  /** QoS 1 messages a device keeps while offline (oldest dropped first); default 300. */
  bufferLimit?: number;
  logger: Logger;
  metrics?: Registry;
}

export const DEFAULT_MIX: Record<ModelName, number> = { thermo: 40, power: 30, led: 10, hub: 10, edge: 10 };

export const FLEET_DEFAULTS = {
  intervalMs: 1000,
  seed: 1,
  idPrefix: '',
  firmwareDurationMs: 10_000,
  connectConcurrency: 100,
  keepaliveS: 60,
  connectTimeoutMs: 10_000,
  reconnect: { baseMs: 1000, maxMs: 60_000 },
  bufferLimit: 300,
  haDiscovery: false,
  /** Messages awaiting PUBACK per device. */
  maxInflight: 16,
};

/** Most devices one fleet runs: each costs a socket and a file descriptor. */
export const MAX_DEVICES = 100_000;
const BROKER_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:'];

export type ResolvedOptions = Required<Omit<FleetOptions, 'credentials' | 'metrics' | 'reconnect' | 'mix'>> &
  Pick<FleetOptions, 'credentials' | 'metrics'> & { mix: Record<ModelName, number>; reconnect: BackoffOptions; maxInflight: number };

const int = (name: string, value: number, min: number, max: number): void => {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
};

/** Fills defaults and checks every option; throws an Error naming the first bad one. */
export function resolveOptions(opts: FleetOptions): ResolvedOptions {
  const o = { ...FLEET_DEFAULTS, ...opts, mix: { ...(opts.mix ?? DEFAULT_MIX) }, reconnect: { ...FLEET_DEFAULTS.reconnect, ...opts.reconnect } };
  let url: URL;
  try {
    url = new URL(o.broker);
  } catch {
    throw new Error(`broker must be a URL such as mqtt://127.0.0.1:1883, got '${o.broker}'`);
  }
  if (!BROKER_PROTOCOLS.includes(url.protocol)) throw new Error(`broker must use one of ${BROKER_PROTOCOLS.join(' ')}, got '${url.protocol}'`);
  int('count', o.count, 1, MAX_DEVICES);
  int('intervalMs', o.intervalMs, 10, 3_600_000);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  int('firmwareDurationMs', o.firmwareDurationMs, 0, 3_600_000);
  int('connectConcurrency', o.connectConcurrency, 1, 10_000);
  int('keepaliveS', o.keepaliveS, 0, 65_535);
  int('connectTimeoutMs', o.connectTimeoutMs, 100, 600_000);
  int('bufferLimit', o.bufferLimit, 1, 100_000);
  int('reconnect.baseMs', o.reconnect.baseMs, 1, 3_600_000);
  int('reconnect.maxMs', o.reconnect.maxMs, o.reconnect.baseMs, 3_600_000);
  const full: Record<ModelName, number> = { thermo: 0, power: 0, led: 0, hub: 0, edge: 0 };
  for (const [model, weight] of Object.entries(o.mix)) {
    if (!isModelName(model)) throw new Error(`mix names an unknown model '${model}' (models: ${MODEL_NAMES.join(', ')})`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw new Error(`mix weight of ${model} must be a number >= 0`);
    full[model] = weight;
  }
  if (Object.values(full).every((w) => w === 0)) throw new Error('mix must give at least one model a weight above 0');
  const longest = `${o.idPrefix}thermo-${o.count}`;
  if (!isDeviceId(longest)) throw new Error(`idPrefix '${o.idPrefix}' makes device ids like '${longest}' that break the device id rule`);
  return { ...o, mix: full };
}

/** Parses `thermo:40,power:30,…` (the CLI's --mix) into weights. */
export function parseMix(text: string): Partial<Record<ModelName, number>> {
  const mix: Partial<Record<ModelName, number>> = {};
  for (const item of text.split(',')) {
    const [model = '', weight = '', ...rest] = item.trim().split(':');
    const value = Number(weight);
    if (!isModelName(model) || rest.length > 0 || weight === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`mix item '${item.trim()}' must be model:weight with a model from ${MODEL_NAMES.join(', ')}`);
    }
    mix[model] = value;
  }
  return mix;
}

/**
 * Splits `count` devices across models by weight (largest remainder, so counts are exact and
 * stable) and interleaves them, so the first devices of any fleet include every model.
 */
export function allocateModels(count: number, mix: Record<ModelName, number>): ModelName[] {
  const total = MODEL_NAMES.reduce((s, m) => s + mix[m], 0);
  const shares = MODEL_NAMES.map((m) => ({ m, exact: (count * mix[m]) / total }));
  const counts = new Map(shares.map((s) => [s.m, Math.floor(s.exact)]));
  let left = count - [...counts.values()].reduce((a, b) => a + b, 0);
  for (const s of [...shares].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)))) {
    if (left-- <= 0) break;
    counts.set(s.m, (counts.get(s.m) ?? 0) + 1);
  }
  // Round-robin by deficit: each slot goes to the model furthest behind its share.
  const placed = new Map<ModelName, number>(MODEL_NAMES.map((m) => [m, 0]));
  const out: ModelName[] = [];
  for (let i = 0; i < count; i++) {
    let best: ModelName | null = null;
    let bestGap = -Infinity;
    for (const m of MODEL_NAMES) {
      const want = counts.get(m) ?? 0;
      const have = placed.get(m) ?? 0;
      if (have >= want) continue;
      const gap = ((i + 1) * want) / count - have;
      if (gap > bestGap) {
        bestGap = gap;
        best = m;
      }
    }
    if (best === null) break;
    placed.set(best, (placed.get(best) ?? 0) + 1);
    out.push(best);
  }
  return out;
}
