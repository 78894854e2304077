/** /metrics follows the Prometheus naming conventions (prometheus.io/docs/practices/naming). */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestHub, startHub, stopAll } from '../support/hub.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

let hub: TestHub;
let text: string;

beforeAll(async () => {
  // A fleet and some traffic, so that every part has registered its metrics.
  hub = await startHub({ fleet: 2, fleetIntervalMs: 100 });
  await hub.fleet?.ready();
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'metrics-names' });
  await client.publishAsync('devices/m1/telemetry', JSON.stringify({ temperature: 20 }), { qos: 1 });
  await client.endAsync();
  text = await (await fetch(`${hub.httpUrl}/metrics`)).text();
});
afterAll(stopAll);

/** name → type, from the exposition's `# TYPE` lines. */
const types = (): Map<string, string> => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));

describe('/metrics names', () => {
  it('are snake_case under fleetwire_, or the standard process_ and nodejs_ names, with no doubled word', () => {
    const names = [...types().keys()];
    expect(names.length).toBeGreaterThan(30);
    expect(names).toContain('process_cpu_seconds_total');
    expect(names.some((n) => n.startsWith('fleetwire_fleet_') || n.startsWith('fleetwire_devices_'))).toBe(true);
    for (const name of names) {
      expect(name).toMatch(/^(fleetwire|process|nodejs)_[a-z0-9_]+$/);
      expect(name, `${name} repeats a word`).not.toMatch(/(?:^|_)([a-z0-9]+)_\1(?:_|$)/);
    }
  });

  it('our counters end in _total and nothing else of ours does; durations and sizes are in seconds and bytes', () => {
    // process_ and nodejs_ are prom-client's standard set, kept exactly as exporters name them.
    for (const [name, type] of [...types()].filter(([n]) => n.startsWith('fleetwire_'))) {
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      else expect(name, `${name} (${type})`).not.toMatch(/_total$/);
      expect(name, name).not.toMatch(/_(ms|milliseconds|minutes|kb|kib|mb|mib)(_|$)/);
      if (type === 'histogram' || type === 'summary') expect(name, name).toMatch(/_(seconds|bytes|messages|rows|devices|subscribers)$/);
    }
  });

  it('fleetwire_build_info says which version runs', () => {
    expect(types().get('fleetwire_build_info')).toBe('gauge');
    expect(text).toContain(`fleetwire_build_info{version="${pkg.version}",node="${process.version}"} 1`);
  });
});

describe('/metrics process gauges', () => {
  /** Each series of a scrape, `name{labels}` → value. */
  const scrape = async (): Promise<Map<string, number>> => {
    const body = await (await fetch(`${hub.httpUrl}/metrics`)).text();
    return new Map([...body.matchAll(/^([a-z_]+(?:\{[^}]*\})?) (\S+)$/gm)].map((m) => [m[1] ?? '', Number(m[2])]));
  };
  const sumOf = (series: Map<string, number>, name: string): number => [...series].filter(([k]) => k.startsWith(`${name}{`)).reduce((n, [, v]) => n + v, 0);

  it('count the open connections: descriptors, handles and resources, by type and in total', async () => {
    const before = await scrape();
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => mqtt.connectAsync(hub.mqttUrl, { clientId: `metrics-open-${i}` })));
    try {
      const during = await scrape();
      // Each connection is a socket at both ends here (the clients run in the hub's process), less
      // any the scrapes' own HTTP connections opened or closed meanwhile.
      for (const name of ['process_open_fds', 'nodejs_active_handles_total', 'nodejs_active_resources_total']) {
        expect((during.get(name) ?? 0) - (before.get(name) ?? 0), name).toBeGreaterThanOrEqual(36);
      }
      expect((during.get('nodejs_active_handles{type="Socket"}') ?? 0) - (before.get('nodejs_active_handles{type="Socket"}') ?? 0)).toBeGreaterThanOrEqual(36);
      expect(during.get('nodejs_active_resources{type="TCPSocketWrap"}') ?? 0).toBeGreaterThanOrEqual(40);
      // One scrape reads the handles and resources once: the totals are the sums by type.
      expect(sumOf(during, 'nodejs_active_handles')).toBe(during.get('nodejs_active_handles_total'));
      expect(sumOf(during, 'nodejs_active_resources')).toBe(during.get('nodejs_active_resources_total'));
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()));
    }
    expect(types().get('process_open_fds')).toBe('gauge');
    expect(types().get('nodejs_active_handles')).toBe('gauge');
  });
});
