import { describe, expect, it } from 'vitest';
import { type Seen, byDevice, command, eventually, onlineFleet, startBroker, testFleet } from './support.js';

type Reading = Record<string, number> & { ts: number };
const parse = (m: Seen): Reading => JSON.parse(m.text) as Reading;
const values = (r: Reading): string => JSON.stringify({ ...r, ts: undefined });

/** Waits until `device` has published `n` more telemetry messages than it had so far; returns them. */
async function next(w: { seen: Seen[] }, device: string, n: number): Promise<Seen[]> {
  const mine = () => w.seen.filter((m) => m.topic.startsWith(`devices/${device}/telemetry`));
  const start = mine().length;
  await eventually(`${n} readings from ${device}`, () => mine().length >= start + n);
  return mine().slice(start, start + n);
}

describe('faults on demand', () => {
  it('stuck: readings freeze, then move again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/telemetry/#']);
    fleet.faults.apply('stuck', 'thermo-1');
    const stuck = (await next(w, 'thermo-1', 8)).slice(1).map(parse);
    expect(new Set(stuck.map(values)).size).toBe(1);
    expect(new Set(stuck.map((r) => r.ts)).size).toBe(stuck.length);
    // Other devices are untouched.
    expect(new Set((await next(w, 'power-1', 8)).map((m) => values(parse(m)))).size).toBeGreaterThan(1);
    fleet.faults.clear('stuck');
    const moving = (await next(w, 'thermo-1', 8)).slice(1).map(parse);
    expect(new Set(moving.map(values)).size).toBeGreaterThan(1);
  });

  it('out-of-range: impossible values on all devices, plausible again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/telemetry']);
    expect(fleet.faults.apply('out-of-range')).toMatchObject({ ok: true, value: { name: 'out-of-range', devices: 5 } });
    await next(w, 'edge-1', 2);
    for (const { id } of fleet.devices) {
      for (const r of (await next(w, id, 3)).map(parse)) {
        for (const [k, v] of Object.entries(r)) if (k !== 'ts') expect(v < -999 || v > 9999, `${id} ${k}=${v}`).toBe(true);
      }
    }
    fleet.faults.clear('out-of-range');
    await next(w, 'edge-1', 2);
    for (const r of (await next(w, 'edge-1', 3)).map(parse)) {
      expect(r.temperature).toBeGreaterThan(-10);
      expect(r.temperature).toBeLessThan(80);
    }
  });

  it('malformed: every kind of broken payload in turn, valid again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/telemetry/#']);
    fleet.faults.apply('malformed', 'power-1');
    const bad = (await next(w, 'power-1', 12)).slice(2);
    const kinds = new Set(
      bad.map((m) => {
        if (m.topic !== 'devices/power-1/telemetry') return Number.isNaN(Number(m.text)) ? 'metric-text' : 'valid';
        let data: unknown;
        try {
          data = JSON.parse(m.text);
        } catch {
          return 'cut-json';
        }
        if (Array.isArray(data)) return 'not-object';
        const entries = Object.entries(data as object);
        if (entries.some(([k]) => !/^[a-z][a-z0-9_]*$/.test(k))) return 'bad-metric';
        if (entries.some(([, v]) => typeof v !== 'number')) return 'string-numbers';
        return 'valid';
      }),
    );
    expect(kinds).toEqual(new Set(['cut-json', 'string-numbers', 'not-object', 'bad-metric', 'metric-text']));
    fleet.faults.clear('malformed', 'power-1');
    await next(w, 'power-1', 2);
    for (const m of await next(w, 'power-1', 4)) {
      expect(m.topic).toBe('devices/power-1/telemetry');
      expect(Object.values(parse(m)).every((v) => typeof v === 'number')).toBe(true);
    }
  });

  it('skew: device timestamps shifted by the given amount, true again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/telemetry']);
    fleet.faults.apply('skew', 'all', { ms: -86_400_000 });
    await next(w, 'hub-1', 2);
    for (const m of await next(w, 'hub-1', 3)) expect(m.at - parse(m).ts).toBeGreaterThanOrEqual(86_400_000 - 1);
    fleet.faults.clear('skew');
    await next(w, 'hub-1', 2);
    for (const m of await next(w, 'hub-1', 3)) expect(Math.abs(m.at - parse(m).ts)).toBeLessThan(3_600_000);
  });

  it('latency and loss: publishes leave late or not at all, normal again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/telemetry']);
    fleet.faults.apply('latency', 'thermo-1', { ms: 1500 });
    fleet.faults.apply('loss', 'power-1', { rate: 1 });
    const countOf = (id: string) => w.seen.filter((m) => m.topic === `devices/${id}/telemetry`).length;
    // The first two may have left before the fault came on.
    for (const m of (await next(w, 'thermo-1', 7)).slice(2)) expect(m.at - parse(m).ts).toBeGreaterThanOrEqual(1500);
    const lostFrom = countOf('power-1');
    await next(w, 'thermo-1', 5);
    expect(countOf('power-1')).toBe(lostFrom);

    fleet.faults.clear('latency');
    fleet.faults.clear('loss');
    await next(w, 'power-1', 3);
    await eventually('a prompt reading from thermo-1', () => w.seen.find((m) => m.topic === 'devices/thermo-1/telemetry' && m.at - parse(m).ts < 1500));
  });

  it('no-ack: commands are carried out but never acked, acked again when cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/led-1/+']);
    fleet.faults.apply('no-ack', 'led-1');
    await command(w, 'led-1', 'led', 'silent', { state: 'on' });
    await eventually('LED on', () => w.json(/\/led$/).find((m) => m.data.state === 'on'));
    fleet.faults.clear('no-ack', 'led-1');
    await command(w, 'led-1', 'led', 'heard', { state: 'off' });
    await eventually('ack of the second command', () => w.json(/\/ack$/).find((m) => m.data.id === 'heard'));
    expect(w.json(/\/ack$/).map((m) => m.data.id)).toEqual(['heard']);
  });

  it('storm: every device drops at once and comes back; no more storms once cleared', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/status', 'devices/+/telemetry'], { count: 10 });
    const wills = () => w.json(/status$/).filter((m) => !m.retain && m.data.online === false);
    const births = () => w.json(/status$/).filter((m) => !m.retain && m.data.online === true);
    fleet.faults.apply('storm', 'all', { everyMs: 400 });
    await eventually('two storms with every device back after each', () => {
      const perDevice = byDevice(births());
      return fleet.devices.every((d) => (perDevice.get(d.id)?.length ?? 0) >= 2 && fleet.stats().online === 10);
    });
    expect(new Set(wills().map((m) => m.topic)).size).toBe(10);
    fleet.faults.clear('storm');
    await eventually('all online', () => fleet.stats().online === 10);
    const willsAtClear = wills().length;
    await next(w, 'thermo-1', 20);
    expect(wills().length).toBe(willsAtClear);
    expect(fleet.faults.list()).toEqual([]);
  });

  it('targets one device, a fraction, or all, and refuses bad requests without changing anything', async () => {
    const broker = await startBroker();
    const fleet = await testFleet(broker.url, { count: 40 });
    const quarter = fleet.faults.apply('stuck', '25%');
    expect(quarter.ok && quarter.value.devices).toBe(10);
    // The same fraction picks the same devices; clearing it releases exactly them.
    const again = fleet.faults.apply('stuck', 0.25);
    expect(again.ok && again.value.devices).toBe(10);
    expect(fleet.faults.apply('skew', 'led-2')).toMatchObject({ ok: true, value: { devices: 1, sample: ['led-2'], params: { ms: 3_600_000 } } });
    expect(fleet.faults.clear('stuck', '0.25')).toEqual({ ok: true, value: { cleared: 10 } });
    expect(fleet.faults.list().map((f) => f.name)).toEqual(['skew']);

    const refused: Array<[string, unknown, unknown, string]> = [
      ['melt', 'all', undefined, 'unknown fault'],
      ['skew', 'nobody-1', undefined, "no device 'nobody-1'"],
      ['skew', 1.5, undefined, 'fraction must be above 0'],
      ['loss', 'all', { rate: 2 }, 'loss.rate must be a number from 0 to 1'],
      ['latency', 'all', { delay: 5 }, "latency has no parameter 'delay'"],
      ['stuck', 'all', 'yes', 'params of stuck must be an object'],
    ];
    for (const [name, target, params, error] of refused) {
      const r = fleet.faults.apply(name, target as string, params);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.error).toContain(error);
    }
    expect(fleet.faults.list().map((f) => [f.name, f.devices])).toEqual([['skew', 1]]);
  });
});
