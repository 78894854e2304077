/**
 * How the reading faults change what a device publishes. Pure functions of their inputs,
 * so a test can check each variant without a broker.
 */
import { topics } from '../../protocol/names.js';
import type { Rng } from '../random.js';
import type { Metrics } from '../models/part.js';

/** Replaces every reading with a value no sensor of that kind can produce (below absolute zero, negative volts, …). */
export function outOfRange(metrics: Metrics, rng: Rng): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(metrics)) out[k] = rng.chance(0.5) ? -(1000 + Math.abs(v) * 10) : 10_000 + Math.abs(v) * 100;
  return out;
}

export const MALFORMED_KINDS = ['cut-json', 'string-numbers', 'not-object', 'bad-metric', 'metric-text'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/**
 * The `n`-th malformed telemetry message of `device`: the kinds take turns, so a few
 * readings exercise every branch of the hub's reject path.
 */
export function malformed(device: string, metrics: Metrics, ts: number, n: number): { kind: MalformedKind; topic: string; payload: string } {
  const kind = MALFORMED_KINDS[n % MALFORMED_KINDS.length] as MalformedKind;
  const entries = Object.entries(metrics);
  const json = JSON.stringify({ ...metrics, ts });
  const telemetry = topics.telemetry(device);
  switch (kind) {
    case 'cut-json':
      return { kind, topic: telemetry, payload: json.slice(0, Math.max(1, Math.floor(json.length / 2))) };
    case 'string-numbers':
      return { kind, topic: telemetry, payload: JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, String(v)]))) };
    case 'not-object':
      return { kind, topic: telemetry, payload: JSON.stringify(entries.map(([, v]) => v)) };
    case 'bad-metric':
      return { kind, topic: telemetry, payload: JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [`${k.toUpperCase()}!`, v]))) };
    case 'metric-text':
      return { kind, topic: topics.metric(device, entries[0]?.[0] ?? 'value'), payload: 'n/a' };
  }
}
