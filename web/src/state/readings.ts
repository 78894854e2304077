/** Metric readings out of a telemetry message, whichever of the two contract topics carried it. */
import type { HubMessage } from '../../../protocol/message.js';
import { isMetricName, parseDeviceTopic } from '../../../protocol/names.js';

export type Reading = [metric: string, value: number];

/**
 * The readings of a `telemetry` message: `devices/{id}/telemetry` carries an object of
 * metric → number (its `ts` is the device's clock, not a metric); `devices/{id}/telemetry/{metric}`
 * carries one number (as JSON or as `{metric: n}`). Anything else yields nothing.
 */
export function readingsOf(msg: HubMessage): Reading[] {
  if (msg.kind !== 'telemetry') return [];
  const topic = parseDeviceTopic(msg.topic);
  const data = msg.data;
  if (topic?.channel === 'metric') {
    const value = typeof data === 'number' ? data : typeof data === 'object' && data !== null && !Array.isArray(data) ? data[topic.metric] : undefined;
    return typeof value === 'number' && Number.isFinite(value) && isMetricName(topic.metric) ? [[topic.metric, value]] : [];
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const out: Reading[] = [];
  for (const [metric, value] of Object.entries(data)) {
    if (metric !== 'ts' && typeof value === 'number' && Number.isFinite(value) && isMetricName(metric)) out.push([metric, value]);
  }
  return out;
}
