import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveControl } from '../../cli/fleet-command.js';
import type { Fleet } from '../../devices/index.js';
import { eventually, startBroker, testFleet, track } from './support.js';

async function control(fleet: Fleet): Promise<string> {
  const server = track(await serveControl(fleet, 0));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/fleet`;
}

const call = async (url: string, method = 'GET', body?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('fleet control over HTTP', () => {
  it('reports the fleet, pages devices, and switches faults on and off', async () => {
    const broker = await startBroker();
    const fleet = await testFleet(broker.url, { count: 12 });
    await fleet.ready();
    const base = await control(fleet);

    const summary = await call(base);
    expect(summary.body).toMatchObject({ devices: 12, online: 12, models: { thermo: 3, power: 3, led: 2, hub: 2, edge: 2 }, faults: [] });

    const page = await call(`${base}/devices?offset=10&limit=5`);
    expect(page.body.total).toBe(12);
    expect(page.body.devices).toHaveLength(2);

    const on = await call(`${base}/faults`, 'POST', JSON.stringify({ name: 'no-ack', target: '50%' }));
    expect(on).toMatchObject({ status: 200, body: { name: 'no-ack', devices: 6 } });
    const listed = await call(`${base}/faults`);
    expect(listed.body.active).toEqual([expect.objectContaining({ name: 'no-ack', devices: 6 })]);
    expect((listed.body.catalogue as Array<{ name: string }>).map((f) => f.name)).toContain('storm');

    const dev = (await call(`${base}/devices?limit=12`)).body.devices as Array<{ id: string; faults: string[] }>;
    const target = dev.find((d) => d.faults.includes('no-ack'))?.id ?? '';
    expect(await call(`${base}/faults/no-ack?target=${target}`, 'DELETE')).toEqual({ status: 200, body: { cleared: 1 } });
    expect(await call(`${base}/faults`, 'DELETE')).toEqual({ status: 200, body: { cleared: 5 } });
    expect((await call(base)).body.faults).toEqual([]);
  });

  it('answers bad requests with a JSON error and the right status', async () => {
    const broker = await startBroker();
    const fleet = await testFleet(broker.url);
    const base = await control(fleet);
    const cases: Array<[string, string, string | undefined, number, RegExp]> = [
      ['/faults', 'POST', '{"name":', 400, /not valid JSON/],
      ['/faults', 'POST', '[]', 400, /body must be/],
      ['/faults', 'POST', '{"target":"all"}', 400, /name must be/],
      ['/faults', 'POST', '{"name":"melt"}', 400, /unknown fault 'melt'/],
      ['/faults', 'POST', '{"name":"stuck","target":"nobody"}', 404, /no device 'nobody'/],
      ['/faults', 'POST', '{"name":"stuck","target":{"id":1}}', 400, /target must be/],
      ['/faults', 'POST', `{"name":"stuck","pad":"${'x'.repeat(70_000)}"}`, 413, /larger than/],
      ['/faults/melt', 'DELETE', undefined, 400, /unknown fault/],
      ['/devices?limit=5000', 'GET', undefined, 400, /limit/],
      ['/devices?offset=-1', 'GET', undefined, 400, /offset/],
    ];
    for (const [path, method, body, status, error] of cases) {
      const r = await call(`${base}${path}`, method, body);
      expect(r.status, `${method} ${path}`).toBe(status);
      expect(r.body.error, `${method} ${path}`).toMatch(error);
    }
    expect(fleet.faults.list()).toEqual([]);
  });
});

describe('per-device credentials', () => {
  it('logs each device in as its id with its own password; a wrong one makes ready() reject', async () => {
    const passwords: Record<string, string> = { 'thermo-1': 'a', 'power-1': 'b', 'led-1': 'c', 'hub-1': 'd', 'edge-1': 'e' };
    const logins: string[] = [];
    const broker = await startBroker({
      authenticate: (client, username, password, done) => {
        const ok = username === client.id && username !== undefined && passwords[username] === password?.toString();
        if (ok) logins.push(username);
        done(null, ok);
      },
    });
    const good = await testFleet(broker.url, { credentials: (id) => ({ username: id, password: passwords[id] ?? '' }) });
    await good.ready();
    expect(new Set(logins)).toEqual(new Set(Object.keys(passwords)));
    await good.close();

    const bad = await testFleet(broker.url, { credentials: (id) => ({ username: id, password: id === 'led-1' ? 'wrong' : (passwords[id] ?? '') }) });
    await expect(bad.ready()).rejects.toThrow(/broker refused device led-1/);
    await eventually('the others online', () => bad.stats().online === 4);
  });
});
