/** The device registry as `GET /api/devices` shows it, fed by real publishes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../protocol/message.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(stopRigs);

const device = async (id: string): Promise<DeviceView> => (await (await fetch(`${rig.url}/api/devices/${id}`)).json()) as DeviceView;

describe('the device registry', () => {
  it('keeps first and last seen, online, model, firmware, latest metrics, LED and ports', async () => {
    rig.publish('devices/g1/status', '{"online":true,"model":"thermo-1","fw":"1.2.0"}');
    rig.publish('devices/g1/telemetry', '{"temperature":21.5,"voltage":229.8,"ts":5}');
    rig.publish('devices/g1/telemetry/temperature', '22');
    rig.publish('devices/g1/led', '{"state":"blink","color":"#00ff00"}');
    rig.publish('devices/g1/events', '{"type":"hotplug","port":2,"action":"attached","peripheral":"usb-storage"}');
    rig.publish('devices/g1/events', '{"type":"hotplug","port":3,"action":"attached","peripheral":"camera"}');
    rig.publish('devices/g1/events', '{"type":"hotplug","port":3,"action":"detached","peripheral":"camera"}');
    const d = await device('g1');
    expect(d).toMatchObject({
      id: 'g1',
      online: true,
      model: 'thermo-1',
      fw: '1.2.0',
      metrics: { temperature: { value: 22 }, voltage: { value: 229.8 } },
      led: { state: 'blink', color: '#00ff00' },
      ports: { '2': 'usb-storage', '3': null },
    });
    expect(d.metrics).not.toHaveProperty('ts');
    expect(d.lastSeen).toBeGreaterThanOrEqual(d.firstSeen);
  });

  it('takes the whole port map from a retained status, then patches it with hot-plug events', async () => {
    rig.publish('devices/h1/status', JSON.stringify({ online: true, model: 'hub-4', ports: { '1': 'keyboard', '2': null, x: 'bad', '3': 7 } }));
    expect((await device('h1')).ports).toEqual({ '1': 'keyboard', '2': null });
    rig.publish('devices/h1/events', '{"type":"hotplug","port":2,"action":"attached","peripheral":"camera"}');
    expect((await device('h1')).ports).toEqual({ '1': 'keyboard', '2': 'camera' });
    rig.publish('devices/h1/status', JSON.stringify({ online: true, model: 'hub-4', ports: { '1': null, '2': 'camera' } }));
    expect((await device('h1')).ports).toEqual({ '1': null, '2': 'camera' });
    rig.publish('devices/h1/status', '{"online":false}');
    expect((await device('h1')).ports).toEqual({ '1': null, '2': 'camera' });
  });

  it('goes offline on the last will and online again on any publish', async () => {
    rig.publish('devices/g2/status', '{"online":true}');
    expect((await device('g2')).online).toBe(true);
    rig.publish('devices/g2/status', '{"online":false}');
    expect((await device('g2')).online).toBe(false);
    rig.publish('devices/g2/telemetry', '{"t":1}');
    expect((await device('g2')).online).toBe(true);
  });

  it('does not count commands to a device as a sign of it, nor devices of other topics', async () => {
    rig.publish('devices/g3/cmd/led', '{"id":"1","args":{}}', { clientId: 'admin-tool' });
    rig.publish('devices/g3/something/else/here', 'x');
    expect((await fetch(`${rig.url}/api/devices/g3`)).status).toBe(404);
  });

  it('lists devices by id in pages', async () => {
    for (const id of ['p-a', 'p-b', 'p-c']) rig.publish(`devices/${id}/telemetry`, '{"t":1}');
    const page = async (q: string) => (await (await fetch(`${rig.url}/api/devices?${q}`)).json()) as { devices: DeviceView[]; next: string | null };
    const all = await page('');
    expect(all.devices.map((d) => d.id)).toEqual([...all.devices.map((d) => d.id)].sort());
    expect(all.next).toBeNull();
    const first = await page('after=p&limit=2');
    expect(first.devices.map((d) => d.id)).toEqual(['p-a', 'p-b']);
    expect(first.next).toBe('p-b');
    const second = await page(`after=${first.next}&limit=2`);
    expect(second.devices.map((d) => d.id)).toEqual(['p-c']);
    expect((await fetch(`${rig.url}/api/devices?limit=0`)).status).toBe(400);
  });

  it('tells its watchers of every message it applies, after applying it, until they unsubscribe', async () => {
    const seen: Array<[string, string, boolean]> = [];
    const unwatch = rig.bridge.devices.watch((view, msg, topic) => seen.push([view.id, `${msg.kind} ${topic.channel}`, view.online]));
    // A watcher that throws is logged and changes nothing for the others or the registry.
    const unwatchBroken = rig.bridge.devices.watch(() => {
      throw new Error('broken watcher');
    });
    rig.publish('devices/w1/status', '{"online":true}');
    rig.publish('devices/w1/telemetry/voltage', '12.1');
    rig.publish('devices/w1/cmd/led', '{"id":"1","args":{}}', { clientId: 'admin-tool' });
    rig.publish('alerts/x', '{}');
    rig.publish('devices/w1/status', '{"online":false}');
    await waitFor(() => seen.length >= 3);
    unwatch();
    unwatchBroken();
    rig.publish('devices/w1/status', '{"online":true}');
    expect((await device('w1')).online).toBe(true);
    expect(seen).toEqual([
      ['w1', 'status status', true],
      ['w1', 'telemetry metric', true],
      ['w1', 'status status', false],
    ]);
  });

  it('answers 404 for a device never seen', async () => {
    const res = await fetch(`${rig.url}/api/devices/nobody`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('nobody') });
  });

  it('writes a changed reading once it has waited its second, without a close, each device in its own slice', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `slice${i}`);
    const onDisk = (id: string): number | undefined => {
      const view = rig.db.prepare('SELECT view FROM history_devices WHERE id = ?').pluck().get(id) as string | undefined;
      return view === undefined ? undefined : (JSON.parse(view) as DeviceView).metrics['t']?.value;
    };
    // A new device is written at once.
    for (const id of ids) rig.publish(`devices/${id}/telemetry`, '{"t":1}');
    await waitFor(() => ids.every((id) => onDisk(id) === 1));
    // Then each reads t = 2, 120 ms after the one before; the store is watched, not closed.
    const changed = new Map<string, number>();
    const written = new Map<string, number>();
    const watcher = setInterval(() => {
      for (const id of changed.keys()) if (!written.has(id) && onDisk(id) === 2) written.set(id, Date.now());
    }, 10);
    try {
      for (const id of ids) {
        rig.publish(`devices/${id}/telemetry`, '{"t":2}');
        changed.set(id, Date.now());
        await new Promise((r) => setTimeout(r, 120));
      }
      await waitFor(() => written.size === ids.length);
    } finally {
      clearInterval(watcher);
    }
    // Each change waited its period (one write per device per second at most), so the fleet
    // went to disk a device at a time, as it changed, not all in one commit.
    for (const id of ids) expect((written.get(id) ?? 0) - (changed.get(id) ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('survives a restart, with every device offline until it speaks again', async () => {
    rig.publish('devices/g4/status', '{"online":true,"model":"m"}');
    rig.publish('devices/g4/telemetry', '{"t":7}');
    await rig.restart();
    const d = await waitFor(async () => {
      const res = await fetch(`${rig.url}/api/devices/g4`);
      return res.status === 200 ? ((await res.json()) as DeviceView) : null;
    });
    expect(d).toMatchObject({ online: false, model: 'm', metrics: { t: { value: 7 } } });
  });
});
