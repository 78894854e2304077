/**
 * GET /api/export: readings raw or bucketed and events, as CSV or NDJSON, past the 10,000-row
 * cap of /api/history, from messages that came in through the real ingest; bad parameters get
 * 400 before any byte. Backpressure and stalled clients: test/http/streamed-body.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRoutes } from '../../bridge/history/index.js';
import type { HistoryBody, HubMessage } from '../../protocol/message.js';
import { type Rig, startRig, stopRigs } from '../bridge/support/bridge-rig.js';

const READINGS = 12_000;
const BIG_EVENTS = 20;

let rig: Rig;
const values: number[] = [];
beforeAll(async () => {
  const store = () => rig.store;
  const routes = exportRoutes(
    { readingPages: (q) => store().readingPages(q), eventPages: (q) => store().eventPages(q), history: (q) => store().history(q) },
  );
  rig = await startRig({ guarded: routes });
  for (let i = 0; i < READINGS; i++) {
    values.push(-i / 4 - 1);
    rig.publish('devices/x1/telemetry', JSON.stringify({ temperature: -i / 4 - 1, voltage: 230 }));
  }
  rig.publish('devices/x2/telemetry/temperature', '99');
  rig.publish('devices/x1/events', JSON.stringify({ type: 'note', text: '=HYPERLINK("x"),\r\nnext line' }));
  for (let i = 0; i < BIG_EVENTS; i++) rig.publish('devices/x3/events', JSON.stringify({ type: 'dump', i, blob: 'z'.repeat(1_000) }));
  await rig.store.flush();
});
afterAll(stopRigs);

const get = async (query: string): Promise<{ status: number; type: string; disposition: string; text: string }> => {
  const res = await fetch(`${rig.url}/api/export?${query}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', text: await res.text() };
};

/** RFC 4180 fields of one CSV text, quoted fields with commas and line breaks included. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted) {
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  return rows;
}

describe('export', () => {
  it('streams every raw reading of one metric of one device as CSV, past the history row cap', async () => {
    const res = await get('device=x1&metric=temperature');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    expect(res.disposition).toBe('attachment; filename="x1-temperature.csv"');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['ts', 'time', 'value']);
    expect(rows.length - 1).toBe(READINGS);
    expect(rows.slice(1).map((r) => Number(r[2]))).toEqual(values);
    const ts = rows.slice(1).map((r) => Number(r[0]));
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(rows[1]?.[1]).toBe(new Date(ts[0] as number).toISOString());
    // Not another device's reading, nor the other metric.
    expect(rows.some((r) => r[2] === '99' || r[2] === '230')).toBe(false);
  });

  it('streams NDJSON, and a window of it', async () => {
    const all = (await get('device=x1&metric=temperature&format=ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l) as { ts: number; value: number });
    expect(all).toHaveLength(READINGS);
    const from = (all[100] as { ts: number }).ts;
    const to = (all[200] as { ts: number }).ts;
    const res = await get(`device=x1&metric=temperature&format=ndjson&from=${from}&to=${to}`);
    expect(res.type).toMatch(/^application\/x-ndjson/);
    const part = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { ts: number; value: number });
    expect(part).toEqual(all.filter((p) => p.ts >= from && p.ts < to));
  });

  it('buckets with a step exactly as /api/history does', async () => {
    const first = parseCsv((await get('device=x1&metric=temperature')).text)[1] as string[];
    const from = Number(first[0]) - 60_000;
    const to = Date.now() + 60_000;
    const step = 7;
    const res = await get(`device=x1&metric=temperature&step=${step}&from=${from}&to=${to}&format=ndjson`);
    expect(res.status).toBe(200);
    const got = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { ts: number; avg: number; min: number; max: number; count: number });
    const expected = rig.store.history({ device: 'x1', metric: 'temperature', from: Number(first[0]) - (Number(first[0]) % step), to: to - (to % step), step });
    expect(expected.ok).toBe(true);
    const points = (expected as { value: HistoryBody }).value.points;
    expect(got.map((p) => [p.ts, p.avg, p.min, p.max, p.count])).toEqual(points);
    expect(got.reduce((n, p) => n + p.count, 0)).toBe(READINGS);
  });

  it('exports events with device strings quoted and defused for spreadsheets', async () => {
    const res = await get('kind=events&device=x1');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['seq', 'ts', 'time', 'device', 'kind', 'topic', 'data']);
    expect(rows).toHaveLength(2);
    expect(rows[1]?.slice(3, 6)).toEqual(['x1', 'event', 'devices/x1/events']);
    expect(JSON.parse(rows[1]?.[6] as string)).toEqual({ type: 'note', text: '=HYPERLINK("x"),\r\nnext line' });
    const ndjson = (await get('kind=events&format=ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l) as HubMessage);
    expect(ndjson).toHaveLength(BIG_EVENTS + 1);
    expect(ndjson.map((m) => m.seq)).toEqual([...ndjson.map((m) => m.seq)].sort((a, b) => a - b));
  });

  it.each([
    ['no device', 'metric=temperature', /device is required/],
    ['no metric', 'device=x1', /metric is required/],
    ['an unknown device', 'device=ghost&metric=temperature', /unknown device "ghost"/],
    ['a malformed metric', 'device=x1&metric=Temp', /metric must be/],
    ['an unknown format', 'device=x1&metric=temperature&format=xlsx', /format must be csv or ndjson/],
    ['an unknown kind', 'kind=logs', /kind must be one of/],
    ['a metric on events', 'kind=events&metric=temperature', /apply to readings/],
    ['from after to', 'device=x1&metric=temperature&from=10&to=5', /from must be before to/],
    ['a zero step', 'device=x1&metric=temperature&step=0', /step must be/],
    ['a repeated parameter', 'device=x1&device=x2&metric=temperature', /more than once/],
  ])('refuses %s with 400 and the reason', async (_name, query, reason) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as { error: string }).error).toMatch(reason);
  });
});
