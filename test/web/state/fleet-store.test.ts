import { describe, expect, it } from 'vitest';
import type { DeviceView, HubMessage, Json, MessageKind } from '../../../protocol/message.js';
import { FleetStore, MAX_DEVICES } from '../../../web/src/state/fleet-store.js';

let seq = 0;
const msg = (device: string, kind: MessageKind, data: Json, ts: number, topic = `devices/${device}/${kind === 'event' ? 'events' : kind}`): HubMessage => ({ seq: ++seq, ts, topic, device, kind, data });

const view = (id: string, over: Partial<DeviceView> = {}): DeviceView => ({ id, firstSeen: 100, lastSeen: 1000, online: true, model: 'thermo-1', fw: '1.0.0', metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [], ...over });

describe('FleetStore', () => {
  it('takes readings from both telemetry topics and ignores the device clock field', () => {
    const s = new FleetStore();
    s.apply(msg('d1', 'telemetry', { temperature: 21.5, voltage: 230, ts: 5 }, 2000));
    s.apply(msg('d1', 'telemetry', 22, 3000, 'devices/d1/telemetry/humidity'));
    const row = s.devices.get('d1');
    expect(row?.metrics).toEqual({ temperature: { value: 21.5, ts: 2000 }, voltage: { value: 230, ts: 2000 }, humidity: { value: 22, ts: 3000 } });
    expect(row?.lastSeen).toBe(3000);
  });

  it('keeps live state that is newer than a snapshot that arrives late', () => {
    const s = new FleetStore();
    // Telemetry first: any publish means online (as in the registry), the status then says offline.
    s.apply(msg('d1', 'telemetry', { temperature: 30 }, 2000));
    s.apply(msg('d1', 'status', { online: false }, 2000));
    s.applySnapshot([view('d1', { online: true, lastSeen: 1500, metrics: { temperature: { value: 20, ts: 1500 }, voltage: { value: 5, ts: 1500 } } })]);
    const row = s.devices.get('d1');
    expect(row?.online).toBe(false);
    expect(row?.model).toBe(null);
    expect(row?.metrics.temperature?.value).toBe(30);
    expect(row?.metrics.voltage?.value).toBe(5);
  });

  it('lets a snapshot newer than the live data win', () => {
    const s = new FleetStore();
    s.apply(msg('d1', 'status', { online: false, model: 'old' }, 1000));
    s.applySnapshot([view('d1', { online: true, model: 'thermo-2', lastSeen: 5000 })]);
    expect(s.devices.get('d1')).toMatchObject({ online: true, model: 'thermo-2' });
  });

  it('keeps the port map from status and hot-plug events', () => {
    const s = new FleetStore();
    s.apply(msg('h1', 'status', { online: true, model: 'hub-4', ports: { '1': 'camera', '2': null } }, 1000));
    s.apply(msg('h1', 'event', { type: 'hotplug', port: 2, action: 'attached', peripheral: 'keyboard' }, 2000));
    s.apply(msg('h1', 'event', { type: 'hotplug', port: 1, action: 'detached', peripheral: 'camera' }, 3000));
    expect(s.devices.get('h1')?.ports).toEqual({ '1': null, '2': 'keyboard' });
  });

  it('records the LED state a device reports and ignores malformed ones', () => {
    const s = new FleetStore();
    s.apply(msg('l1', 'led', { state: 'blink', color: '#00ff00' }, 1000));
    s.apply(msg('l1', 'led', 'garbage', 2000));
    expect(s.devices.get('l1')?.led).toEqual({ state: 'blink', color: '#00ff00' });
  });

  it('reports which devices changed, once, and counts new devices', () => {
    const s = new FleetStore();
    s.apply(msg('a', 'telemetry', { t: 1 }, 1));
    s.apply(msg('b', 'telemetry', { t: 1 }, 1));
    expect(s.membership).toBe(2);
    expect([...s.takeChanges()].sort()).toEqual(['a', 'b']);
    expect(s.takeChanges().size).toBe(0);
    s.touch('a');
    s.touch('nobody');
    expect([...s.takeChanges()]).toEqual(['a']);
  });

  it('does not count commands, rejects or messages outside devices/ as a device', () => {
    const s = new FleetStore();
    expect(s.apply({ seq: 1, ts: 1, topic: 'lab/tick', device: null, kind: 'message', data: 1 })).toBe(false);
    expect(s.apply(msg('x', 'command', { id: 'c1' }, 1, 'devices/x/cmd/led'))).toBe(false);
    expect(s.apply(msg('x', 'reject', { reason: 'bad' }, 1))).toBe(false);
    expect(s.devices.size).toBe(0);
  });

  it('stops adding devices at the limit', () => {
    const s = new FleetStore();
    for (let i = 0; i <= MAX_DEVICES; i++) s.apply(msg(`d${i}`, 'telemetry', { t: 1 }, 1));
    expect(s.devices.size).toBe(MAX_DEVICES);
  });
});
