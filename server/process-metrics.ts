/**
 * Process-wide metrics: prom-client's standard process and Node.js runtime metrics under their
 * usual names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, as every exporter and
 * dashboard expects them), and `fleetwire_build_info`, the constant-1 gauge whose labels say what runs.
 *
 * Five of the standard gauges grow with the connections held, and prom-client reads them on the
 * event loop once per gauge: holding 16,000 sockets a scrape held the loop ~48 ms (a synchronous
 * readdir of /proc/self/fd ~20 ms, process._getActiveHandles() twice ~17 ms,
 * process.getActiveResourcesInfo() twice ~8 ms), every delivery waiting behind it. They are
 * registered here instead under the same names, labels and meaning: the file descriptors are
 * counted off the loop, and the handles and resources are read once per scrape for both gauges
 * that show them (~20 ms in all at 16,000 sockets).
 */
import { readdir } from 'node:fs/promises';
import { Gauge, type Registry, collectDefaultMetrics } from 'prom-client';
import { packageInfo } from './package-info.js';

/** The standard gauges replaced below, by name. */
const REPLACED = ['process_open_fds', 'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'] as const;

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of REPLACED) registry.removeSingleMetric(name);
  registerConnectionGauges(registry);
  const info = new Gauge({ name: 'fleetwire_build_info', help: 'Always 1; the labels name the fleetwire and Node.js versions running', labelNames: ['version', 'node'] as const, registers: [registry] });
  info.set({ version: packageInfo().version, node: process.version }, 1);
}

/**
 * `read`, taken once per scrape: a scrape runs every gauge's collect in one turn of the event
 * loop, so the first collect reads and the others of that turn get the same answer.
 */
function oncePerScrape<T>(read: () => T): () => T {
  let taken: { value: T } | null = null;
  return () => {
    if (taken === null) {
      taken = { value: read() };
      setImmediate(() => (taken = null));
    }
    return taken.value;
  };
}

/** How many of `items` have each name, as `nameOf` names them (undefined: not counted). */
function countEach<T>(items: readonly T[], nameOf: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const name = nameOf(item);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** The gauges of what the process holds open, as prom-client defines them (lib/metrics/process*.js). */
function registerConnectionGauges(registry: Registry): void {
  const registers = [registry];
  // process._getActiveHandles() is what prom-client reads: the handles by constructor name.
  const handles = oncePerScrape(() => (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles());
  const resources = oncePerScrape(() => process.getActiveResourcesInfo());
  const byType = (gauge: Gauge<'type'>, counts: Map<string, number>): void => {
    gauge.reset();
    for (const [type, n] of counts) gauge.set({ type }, n);
  };
  new Gauge({
    name: 'nodejs_active_handles',
    help: 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.',
    labelNames: ['type'] as const,
    registers,
    collect() {
      byType(this, countEach(handles(), (h) => (h as { constructor?: { name: string } }).constructor?.name));
    },
  });
  new Gauge({
    name: 'nodejs_active_handles_total',
    help: 'Total number of active handles.',
    registers,
    collect() {
      this.set(handles().length);
    },
  });
  new Gauge({
    name: 'nodejs_active_resources',
    help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
    labelNames: ['type'] as const,
    registers,
    collect() {
      byType(this, countEach(resources(), (type) => type));
    },
  });
  new Gauge({
    name: 'nodejs_active_resources_total',
    help: 'Total number of active resources.',
    registers,
    collect() {
      this.set(resources().length);
    },
  });
  // Linux only, as prom-client has it.
  if (process.platform !== 'linux') return;
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers,
    async collect() {
      // Less the descriptor the read itself held open.
      this.set((await readdir('/proc/self/fd')).length - 1);
    },
  });
}
