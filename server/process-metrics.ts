/**
 * Process-wide metrics: prom-client's standard process and Node.js runtime metrics under their
 * usual names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, as every exporter and
 * dashboard expects them), and `fleetwire_build_info`, the constant-1 gauge whose labels say what runs.
 */
import { Gauge, type Registry, collectDefaultMetrics } from 'prom-client';
import { packageInfo } from './package-info.js';

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({ name: 'fleetwire_build_info', help: 'Always 1; the labels name the fleetwire and Node.js versions running', labelNames: ['version', 'node'] as const, registers: [registry] });
  info.set({ version: packageInfo().version, node: process.version }, 1);
}
