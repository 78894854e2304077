import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, queryFleet, summarize, type FleetQuery } from '../../../web/src/state/fleet-query.js';
import { type DeviceRow, emptyRow } from '../../../web/src/state/fleet-store.js';

const row = (id: string, over: Partial<DeviceRow> = {}): DeviceRow => ({ ...emptyRow(id, 0), online: true, ...over });

const rows = [
  row('thermo-10', { model: 'thermo-1', metrics: { temperature: { value: 30, ts: 1 } } }),
  row('thermo-2', { model: 'thermo-1', online: false, metrics: { temperature: { value: 45, ts: 1 } } }),
  row('power-1', { model: 'power-230', metrics: { voltage: { value: 231, ts: 1 } } }),
  row('hub-1', { model: 'hub-8', ports: { '1': 'usb-storage', '2': null } }),
];
const ids = (q: Partial<FleetQuery>): string[] => queryFleet(rows, { ...DEFAULT_QUERY, ...q }).map((r) => r.id);

describe('queryFleet', () => {
  it('sorts ids naturally (thermo-2 before thermo-10)', () => {
    expect(ids({})).toEqual(['hub-1', 'power-1', 'thermo-2', 'thermo-10']);
  });

  it('sorts by a metric both ways, devices without it last', () => {
    expect(ids({ sort: 'temperature' })).toEqual(['thermo-10', 'thermo-2', 'hub-1', 'power-1']);
    expect(ids({ sort: 'temperature', descending: true })).toEqual(['thermo-2', 'thermo-10', 'hub-1', 'power-1']);
  });

  it('filters by state and by every word of the text, peripherals included', () => {
    expect(ids({ state: 'offline' })).toEqual(['thermo-2']);
    expect(ids({ state: 'online', text: 'THERMO' })).toEqual(['thermo-10']);
    expect(ids({ text: 'usb' })).toEqual(['hub-1']);
    expect(ids({ text: 'thermo 10' })).toEqual(['thermo-10']);
    expect(ids({ text: 'nothing-like-it' })).toEqual([]);
  });
});

describe('summarize', () => {
  it('counts devices, online ones and the mean temperature', () => {
    expect(summarize(rows)).toEqual({ total: 4, online: 3, meanTemperature: 37.5 });
    expect(summarize([]).meanTemperature).toBe(null);
  });
});
