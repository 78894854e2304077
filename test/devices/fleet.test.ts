import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { byDevice, eventually, onlineFleet, startBroker, testFleet, watch } from './support.js';

const PLAUSIBLE: Record<string, [number, number]> = {
  temperature: [-10, 60],
  voltage: [3, 270],
  current: [0, 10],
  power: [0, 2500],
  led_ma: [0, 25],
  ports_used: [0, 8],
};

describe('fleet online', () => {
  it('brings every device online with a retained birth status', async () => {
    const { fleet, w } = await onlineFleet(['devices/+/status'], { count: 20 });
    const statuses = await eventually('retained status of all 20 devices', () => {
      const s = w.json<{ online: boolean; model: string; fw: string }>(/\/status$/).filter((m) => m.retain);
      return s.length >= 20 ? s : undefined;
    });
    expect(new Set(statuses.map((s) => s.topic))).toEqual(new Set(fleet.devices.map((d) => `devices/${d.id}/status`)));
    for (const s of statuses) expect(s.data).toMatchObject({ online: true, fw: '1.0.0', model: expect.any(String) });
    expect(new Set(fleet.devices.map((d) => d.model))).toEqual(new Set(['thermo', 'power', 'led', 'hub', 'edge']));
  });

  it('sends telemetry of every model with plausible values and its own ts', async () => {
    const broker = await startBroker();
    const w = await watch(broker.url, ['devices/+/telemetry']);
    const registry = new Registry();
    const fleet = await testFleet(broker.url, { metrics: registry });
    await fleet.ready();
    const readings = await eventually('5 readings from every device', () => {
      const t = w.json<Record<string, number> & { ts: number }>(/\/telemetry$/);
      const map = byDevice(t);
      return fleet.devices.every((d) => (map.get(d.id)?.length ?? 0) >= 5) ? map : undefined;
    });
    const metricsOf = (id: string) => new Set(Object.keys(readings.get(id)?.[0]?.data ?? {}));
    expect(metricsOf('thermo-1')).toEqual(new Set(['temperature', 'ts']));
    expect(metricsOf('power-1')).toEqual(new Set(['voltage', 'current', 'power', 'ts']));
    expect(metricsOf('led-1')).toEqual(new Set(['led_ma', 'ts']));
    expect(metricsOf('hub-1')).toEqual(new Set(['ports_used', 'ts']));
    expect(metricsOf('edge-1')).toEqual(new Set(['temperature', 'voltage', 'current', 'power', 'led_ma', 'ports_used', 'ts']));
    // The broker acks what it forwards: the devices count those acks by channel.
    const ackedTelemetry = async () => (await registry.getSingleMetric('fleetwire_fleet_published_total')?.get())?.values.find((v) => v.labels.channel === 'telemetry')?.value ?? 0;
    await waitFor(async () => (await ackedTelemetry()) >= 5 * 5, 10_000, '25 telemetry acks counted');
    // Every device's connection is counted once: none has dropped.
    expect((await registry.getSingleMetric('fleetwire_fleet_connects_total')?.get())?.values[0]?.value).toBe(fleet.devices.length);
    for (const series of readings.values()) {
      for (const { data } of series) {
        expect(Math.abs(data.ts - Date.now())).toBeLessThan(60_000);
        for (const [metric, value] of Object.entries(data)) {
          if (metric === 'ts') continue;
          const [min, max] = PLAUSIBLE[metric] ?? [NaN, NaN];
          expect(value, metric).toBeGreaterThanOrEqual(min);
          expect(value, metric).toBeLessThanOrEqual(max);
        }
      }
    }
  });

  it('reports hot-plug events and keeps the port map in the retained status', async () => {
    const broker = await startBroker();
    const fleet = await testFleet(broker.url, { count: 6, mix: { hub: 1 }, intervalMs: 20 });
    await fleet.ready();
    // Changes made before a device first connected reach the broker after its birth status,
    // which already shows them; watch from the retained status on, once those have gone out.
    await eventually('start-up buffers sent', () => fleet.stats().buffered === 0);
    // A subscription takes live messages before its retained ones are sent [MQTT-3.3.1-6], so a
    // change published in between reaches a watcher ahead of its device's retained status; a
    // watcher that saw that for any device is replaced by a new one.
    const filters = ['devices/+/status', 'devices/+/events'];
    const firstOf = (seen: { topic: string; retain: boolean }[], id: string) => seen.find((m) => m.topic.startsWith(`devices/${id}/`));
    let w = await watch(broker.url, filters);
    for (let attempt = 1; ; attempt++) {
      await eventually('a status from every hub', () => fleet.devices.every(({ id }) => w.seen.some((m) => m.topic === `devices/${id}/status`)));
      if (fleet.devices.every(({ id }) => firstOf(w.seen, id)?.retain)) break;
      expect(attempt, 'watchers that saw a live change before a retained status').toBeLessThan(10);
      await w.close();
      w = await watch(broker.url, filters);
    }
    type Ports = Record<string, string | null>;
    type Hotplug = { type: string; port: number; action: string; peripheral: string };
    // A device sends an event, then its status: a snapshot taken between the two is not used.
    const snapshot = await eventually('hot-plug events from every hub, each with its status', () => {
      const seen = w.seen.slice();
      const count = (id: string, kind: string): number => seen.filter((m) => m.topic === `devices/${id}/${kind}`).length;
      return fleet.devices.every(({ id }) => count(id, 'events') >= 3 && count(id, 'status') > count(id, 'events')) ? seen : undefined;
    });
    for (const { id } of fleet.devices) {
      // Replaying the events over the first status gives every later status: the map is kept.
      const seen = snapshot.filter((m) => m.topic.startsWith(`devices/${id}/`));
      const statuses = seen.filter((m) => m.topic.endsWith('/status')).map((m) => JSON.parse(m.text) as { ports: Ports; model: string });
      const first = statuses[0];
      expect(first?.model).toMatch(/^hub-(4|8)$/);
      const ports: Ports = { ...first?.ports };
      let statusIndex = 1;
      for (const m of seen.filter((x) => x.topic.endsWith('/events'))) {
        const e = JSON.parse(m.text) as Hotplug;
        expect(e.type).toBe('hotplug');
        expect(Object.keys(ports)).toContain(String(e.port));
        if (e.action === 'attached') {
          expect(ports[e.port]).toBeNull();
          ports[e.port] = e.peripheral;
        } else {
          expect(e.action).toBe('detached');
          expect(ports[e.port]).toBe(e.peripheral);
          ports[e.port] = null;
        }
        expect(statuses[statusIndex++]?.ports).toEqual(ports);
      }
    }
  });

  it("publishes a killed device's last will, and it comes back when released", async () => {
    const { broker, fleet, w } = await onlineFleet(['devices/+/status']);
    expect(fleet.faults.apply('drop', 'power-1').ok).toBe(true);
    await eventually('will of power-1', () => w.json(/power-1\/status$/).find((m) => !m.retain && m.data.online === false));
    const late = await watch(broker.url, ['devices/power-1/status']);
    const retained = await eventually('retained will', () => late.json(/status$/).find((m) => m.retain));
    expect(retained.data).toEqual({ online: false });
    // Only the dropped device went offline.
    expect(w.json(/status$/).filter((m) => m.data.online === false).map((m) => m.topic)).toEqual(['devices/power-1/status']);

    fleet.faults.clear('drop', 'power-1');
    await eventually('power-1 back online', () => w.json(/power-1\/status$/).find((m) => !m.retain && m.data.online === true));
  });

  it('reconnects every device after a broker restart and delivers the readings buffered meanwhile', async () => {
    const broker = await startBroker();
    const fleet = await testFleet(broker.url, { count: 10 });
    await fleet.ready();
    await broker.stop();
    const stoppedAt = Date.now();
    await eventually('every device offline with readings buffered', () => {
      const s = fleet.stats();
      return s.online === 0 && s.buffered >= 10 * 10;
    });
    await broker.restart();
    const restartedAt = Date.now();
    await eventually('every device online again with nothing buffered', () => {
      const s = fleet.stats();
      return s.online === 10 && s.buffered === 0;
    });
    const after = broker.published.filter((m) => m.at >= restartedAt).map((m) => ({ topic: m.topic, data: JSON.parse(m.text) as { ts: number; online?: boolean } }));
    expect(new Set(after.filter((m) => m.topic.endsWith('/status') && m.data.online).map((m) => m.topic)).size).toBe(10);
    const buffered = byDevice(after.filter((m) => m.topic.endsWith('/telemetry') && m.data.ts > stoppedAt && m.data.ts < restartedAt));
    for (const { id } of fleet.devices) expect(buffered.get(id)?.length ?? 0, id).toBeGreaterThanOrEqual(5);
  });
});

