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
