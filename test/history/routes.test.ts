/** GET /api/history (JSON and CSV) and GET /api/events over a real HTTP server on port 0. */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqliteHistoryStore, historyRoutes } from '../../bridge/history/index.js';
import type { DeviceView, HistoryBody, HubMessage } from '../../protocol/message.js';
import { type HttpServer, startHttpServer } from '../../server/http-server.js';
import { Fixture, message, telemetry } from './fixtures.js';

const M = 60_000;
const T0 = Date.UTC(2025, 3, 1);
const NOW = T0 + 2 * 3_600_000;

const device = (id: string): DeviceView => ({ id, firstSeen: T0, lastSeen: T0, online: true, model: null, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] });

describe('history routes', () => {
  const fx = new Fixture();
  let store: SqliteHistoryStore;
  let server: HttpServer;
  const events: HubMessage[] = [];

  const get = async (path: string): Promise<{ status: number; type: string; text: string; json: () => unknown }> => {
    const res = await fetch(`${server.url}${path}`);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
  };

  beforeAll(async () => {
    ({ store } = fx.open(fx.file(), { maxScanRows: 5_000 }));
    store.saveDevice(device('d1'));
    store.saveDevice(device('d2'));
    const appends: Promise<void>[] = [];
    let seq = 0;
    // One reading a second for two hours: 7,200 raw points.
    for (let ts = T0; ts < NOW; ts += 1_000) appends.push(store.append(telemetry(++seq, ts, 'd1', { temperature: (ts / 1_000) % 60 })));
    for (let i = 0; i < 30; i++) {
      const ev = message(++seq, T0 + i * M, `devices/d${(i % 2) + 1}/events`, JSON.stringify({ type: 'progress', job: 'fw', percent: i }));
      events.push(ev);
      appends.push(store.append(ev));
    }
    await Promise.all(appends);
    server = await startHttpServer({ host: '127.0.0.1', port: 0, tls: null, routes: historyRoutes(store, { now: () => NOW }), upgrades: {}, allowOrigins: [], allowHosts: [], logger: pino({ level: 'silent' }), metrics: new Registry() });
  });
  afterAll(async () => {
    await server?.close();
    await fx.cleanup();
  });

  it('answers a query with the body the store gives', async () => {
    const res = await get(`/api/history?device=d1&metric=temperature&from=${T0}&to=${T0 + 10 * M}&step=${M}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual((store.history({ device: 'd1', metric: 'temperature', from: T0, to: T0 + 10 * M, step: M }) as { value: HistoryBody }).value);
    expect((res.json() as HistoryBody).points).toHaveLength(10);
    expect((res.json() as HistoryBody).points[0]).toEqual([T0, 29.5, 0, 59, 60]);
  });

  it('picks a step when none is given: the last hour by default, about 800 points, or as many as asked', async () => {
    const byDefault = (await get('/api/history?device=d1&metric=temperature')).json() as HistoryBody;
    expect(byDefault.step).toBe(5_000);
    expect(byDefault.points[0]?.[0]).toBe(NOW - 3_600_000);
    expect(byDefault.points).toHaveLength(720);
    const asked = (await get(`/api/history?device=d1&metric=temperature&from=${T0}&to=${NOW}&points=120`)).json() as HistoryBody;
    expect(asked.step).toBe(M);
    expect(asked.points).toHaveLength(120);
  });

  it('exports CSV', async () => {
    const res = await get(`/api/history?device=d1&metric=temperature&from=${T0}&to=${T0 + 2 * M}&step=${M}&format=csv`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.text).toBe(`ts,time,avg,min,max,count\r\n${T0},2025-04-01T00:00:00.000Z,29.5,0,59,60\r\n${T0 + M},2025-04-01T00:01:00.000Z,29.5,0,59,60\r\n`);
  });

  const bad: [string, string, RegExp][] = [
    ['no device', 'metric=temperature', /device is required/],
    ['no metric', 'device=d1', /metric is required/],
    ['an unknown device', 'device=ghost&metric=temperature', /unknown device "ghost"/],
    ['a malformed device', 'device=no%20spaces&metric=temperature', /device must be/],
    ['a malformed metric', 'device=d1&metric=Temp', /metric must be/],
    ['from after to', `device=d1&metric=temperature&from=${NOW}&to=${T0}`, /from must be before to/],
    ['a non-number', 'device=d1&metric=temperature&from=yesterday', /from must be a non-negative integer/],
    ['a negative number', 'device=d1&metric=temperature&to=-5', /to must be a non-negative integer/],
    ['a fractional step', 'device=d1&metric=temperature&step=1.5', /step must be/],
    ['a zero step', 'device=d1&metric=temperature&step=0', /step must be/],
    ['an absurdly large step', 'device=d1&metric=temperature&step=99999999999999', /step must be/],
    ['too many buckets', `device=d1&metric=temperature&from=0&to=${NOW}&step=1000`, /buckets; at most 10000/],
    ['too many points', 'device=d1&metric=temperature&points=100000', /points must be/],
    ['a repeated parameter', 'device=d1&device=d2&metric=temperature', /given more than once/],
    ['an unknown format', 'device=d1&metric=temperature&format=xml', /format must be json or csv/],
    ['a scan over the row limit', `device=d1&metric=temperature&from=${T0}&to=${NOW}&step=7000`, /more than 5000 stored rows/],
  ];
  it.each(bad)('refuses %s with 400 and the reason', async (_name, query, reason) => {
    const res = await get(`/api/history?${query}`);
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toMatch(reason);
  });

  it('lists events newest first, by device and time, within a limit', async () => {
    const all = (await get('/api/events')).json() as { events: HubMessage[] };
    expect(all.events).toEqual([...events].reverse());
    const d2 = (await get(`/api/events?device=d2&from=${T0 + 10 * M}&to=${T0 + 20 * M}&limit=3`)).json() as { events: HubMessage[] };
    expect(d2.events).toEqual(
      events
        .filter((e) => e.device === 'd2' && e.ts >= T0 + 10 * M && e.ts < T0 + 20 * M)
        .reverse()
        .slice(0, 3),
    );
  });

  it.each([
    ['an unknown device', 'device=ghost', /unknown device/],
    ['a limit of 0', 'limit=0', /limit must be/],
    ['a limit over the maximum', 'limit=5000', /limit must be/],
    ['from after to', 'from=10&to=5', /from must be before to/],
  ])('refuses events with %s', async (_name, query, reason) => {
    const res = await get(`/api/events?${query}`);
    expect(res.status).toBe(400);
    expect((res.json() as { error: string }).error).toMatch(reason);
  });
});
