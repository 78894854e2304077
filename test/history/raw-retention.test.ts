/** Raw-reading retention per device and per model: a device's setting wins over its model's, which wins over the default; 0 keeps forever. */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { retentionRoutes } from '../../bridge/history/index.js';
import type { DeviceView } from '../../protocol/message.js';
import { startHttpServer } from '../../server/http-server.js';
import { Fixture, telemetry } from './fixtures.js';

const D = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12);
const fx = new Fixture();
afterEach(() => fx.cleanup());

const device = (id: string, model: string | null): DeviceView => ({ id, firstSeen: 0, lastSeen: 0, online: true, model, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] });

describe('raw retention per device and model', () => {
  it('prunes each device’s readings by its own retention, and remembers the settings across a reopen', async () => {
    const file = fx.file();
    const { store, db } = fx.open(file, { now: () => NOW, retention: { rawMs: 7 * D } });
    const devices: [string, string | null][] = [['own', 'm1'], ['bymodel', 'm1'], ['plain', null], ['forever', 'm1']];
    for (const [id, model] of devices) store.saveDevice(device(id, model));
    store.setRetention('model', 'm1', 30 * D);
    store.setRetention('device', 'own', 2 * D);
    store.setRetention('device', 'forever', 0);
    let seq = 0;
    const ages = [1, 3, 10, 40, 400];
    await Promise.all(devices.flatMap(([id]) => ages.map((age) => store.append(telemetry(++seq, NOW - age * D, id, { temperature: age })))));
    await store.prune();
    const kept = (id: string) => db.prepare('SELECT p.value FROM history_points p JOIN history_series s ON s.id = p.series WHERE s.device = ? ORDER BY p.ts DESC').pluck().all(id);
    expect(kept('own')).toEqual([1]);
    expect(kept('bymodel')).toEqual([1, 3, 10]);
    expect(kept('plain')).toEqual([1, 3]);
    expect(kept('forever')).toEqual(ages);
    expect(store.retentionOf('own')).toEqual({ rawMs: 2 * D, source: 'device' });
    expect(store.retentionOf('bymodel')).toEqual({ rawMs: 30 * D, source: 'model' });
    expect(store.retentionOf('plain')).toEqual({ rawMs: 7 * D, source: 'default' });

    store.setRetention('device', 'own', null);
    expect(store.retentionOf('own').source).toBe('model');
    await store.close();
    db.close();
    const reopened = fx.open(file, { now: () => NOW, retention: { rawMs: 7 * D } });
    expect(reopened.store.retention()).toEqual({ defaultMs: 7 * D, devices: { forever: 0 }, models: { m1: 30 * D } });
  });

  it('is read and set over HTTP, and bad settings get 400 with the reason', async () => {
    const { store } = fx.open(fx.file(), { now: () => NOW, retention: { rawMs: 7 * D } });
    store.saveDevice(device('d1', 'm1'));
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, tls: null, routes: retentionRoutes(store), upgrades: {}, allowOrigins: [], allowHosts: [], logger: pino({ level: 'silent' }), metrics: new Registry() });
    try {
      const put = (body: unknown) => fetch(`${server.url}/api/retention`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(await (await put({ model: 'm1', raw: '30d' })).json()).toEqual({ defaultMs: 7 * D, devices: {}, models: { m1: 30 * D } });
      expect(await (await fetch(`${server.url}/api/retention?device=d1`)).json()).toEqual({ device: 'd1', rawMs: 30 * D, source: 'model' });
      for (const [body, reason] of [
        [{ raw: '30d' }, /give "device" or "model"/],
        [{ device: 'd1', model: 'm1', raw: '1d' }, /give "device" or "model"/],
        [{ device: 'no spaces', raw: '1d' }, /"device" must be/],
        [{ device: 'd1', raw: 'a while' }, /"raw" must be/],
        [{ device: 'd1', raw: '5s' }, /at least "1m"/],
      ] as const) {
        const res = await put(body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(reason);
      }
      expect(store.retention().devices).toEqual({});
    } finally {
      await server.close();
    }
  });
});
