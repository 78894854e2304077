/**
 * The readings of a message, decided once for every part that keeps time series or latest
 * values (history rows and rollups, the registry, the dashboard's store, charts and alerts).
 * The contract (docs/CONTRACT.md "MQTT topics") has exactly two telemetry forms:
 * `devices/{id}/telemetry` carries an object of metric → number, whose `ts` is the device's
 * clock and not a metric; `devices/{id}/telemetry/{metric}` carries one number. Nothing else
 * is a reading.
 */
import type { HubMessage } from './message.js';
import { isMetricName, topics } from './names.js';

export interface Reading {
  metric: string;
  value: number;
}

const isReading = (metric: string, value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && isMetricName(metric);

/** The readings `msg` carries, in payload order; none for any message that is not contract telemetry. */
export function readingsOf(msg: HubMessage): Reading[] {
  if (msg.kind !== 'telemetry' || msg.device === null) return [];
  const data = msg.data;
  // Compared with the device's own telemetry topic, not parsed: this runs for every reading stored.
  const telemetry = topics.telemetry(msg.device);
  if (typeof data === 'number') {
    const metric = msg.topic.startsWith(`${telemetry}/`) ? msg.topic.slice(telemetry.length + 1) : '';
    return isReading(metric, data) ? [{ metric, value: data }] : [];
  }
  if (msg.topic !== telemetry || typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const readings: Reading[] = [];
  for (const [metric, value] of Object.entries(data)) {
    if (metric !== 'ts' && isReading(metric, value)) readings.push({ metric, value });
  }
  return readings;
}
