/** Every kind of record goes into a real SQLite file and comes back the same after a reopen. */
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_MIGRATIONS } from '../../bridge/history/schema.js';
import type { CommandView, DeviceView, HubMessage } from '../../protocol/message.js';
import { Fixture, message, telemetry } from './fixtures.js';

const fx = new Fixture();
afterEach(() => fx.cleanup());

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

/** One message of each kind, with every shape of data the contract allows. */
const COMMAND: CommandView = { id: 'c1', device: 'd1', name: 'led', args: { state: 'on' }, status: 'pending', created: T0 + 5, settled: null, result: null, error: null };

/** One message of each kind, with every shape of data the contract allows, as ingest makes them. */
const ALL_KINDS: HubMessage[] = [
  message(1, T0, 'devices/d1/status', '{"online":true,"model":"thermo-1","fw":"1.2.0"}'),
  telemetry(2, T0 + 1, 'd1', { temperature: 21.5, voltage: 229.8, ts: 1732200000000 }),
  message(3, T0 + 2, 'devices/d1/telemetry/humidity', '40'),
  message(4, T0 + 3, 'devices/d1/events', '{"type":"hotplug","port":2,"action":"attached","peripheral":"usb-storage"}'),
  message(5, T0 + 4, 'devices/d1/led', '{"state":"blink","color":"#ff0000"}'),
  // The command tracker, not ingest, records a command: its data is the CommandView.
  { seq: 6, ts: T0 + 5, topic: 'devices/d1/cmd/led', device: 'd1', kind: 'command', data: { ...COMMAND } },
  message(7, T0 + 6, 'devices/d1/ack', '{"id":"c1","ok":true,"result":{"state":"on"}}'),
  message(8, T0 + 7, 'devices/d1/telemetry', '{oops'),
  message(9, T0 + 8, 'lab/notes', 'plain text, not JSON'),
  message(10, T0 + 9, 'lab/blob', Buffer.from([0, 1, 2, 255])),
  message(11, T0 + 10, 'devices/d1', '[1,"two",null,{"three":3}]'),
];

const DEVICE: DeviceView = {
  id: 'd1',
  firstSeen: T0,
  lastSeen: T0 + 10,
  online: true,
  model: 'thermo-1',
  fw: '1.2.0',
  metrics: { temperature: { value: 21.5, ts: T0 + 1 } },
  led: { state: 'blink', color: '#ff0000' },
  ports: { '1': null, '2': 'usb-storage' },
  source: 'tasmota',
  units: { temperature: '°C' },
  problems: ['mapping rule tasmota/sensor: <b>bad</b>'],
};

describe('history round trip', () => {
  it('keeps every message kind, the registry, commands and events across a reopen', async () => {
    const file = fx.file();
    const first = fx.open(file);
    first.store.saveDevice(DEVICE);
    first.store.saveCommand(COMMAND);
    await Promise.all(ALL_KINDS.map((m) => first.store.append(m)));
    first.store.saveCommand({ ...COMMAND, status: 'acked', settled: T0 + 6, result: { state: 'on' } });
    await first.store.close();
    first.db.close();

    const { store } = fx.open(file);
    expect(store.messagesAfter(0, ['#'], 100)).toEqual({ messages: ALL_KINDS, next: 11 });
    expect(store.devices()).toEqual([DEVICE]);
    expect(store.command('c1')).toEqual({ ...COMMAND, status: 'acked', settled: T0 + 6, result: { state: 'on' } });
    expect(store.command('nope')).toBeUndefined();
    // Newest first; only events and rejects.
    expect(store.events({})).toEqual({ ok: true, value: [ALL_KINDS[7], ALL_KINDS[3]] });
    expect(store.firstSeq()).toBe(1);
    expect(store.lastSeq()).toBe(11);
  });

  it('derives time-series points from both telemetry shapes, with the hub ts and without the device ts', async () => {
    const file = fx.file();
    const { store, db } = fx.open(file);
    store.saveDevice(DEVICE);
    await Promise.all(ALL_KINDS.map((m) => store.append(m)));
    const points = db.prepare('SELECT s.metric, p.ts, p.seq, p.value FROM history_points p JOIN history_series s ON s.id = p.series ORDER BY p.seq, s.metric').all();
    expect(points).toEqual([
      { metric: 'temperature', ts: T0 + 1, seq: 2, value: 21.5 },
      { metric: 'voltage', ts: T0 + 1, seq: 2, value: 229.8 },
      { metric: 'humidity', ts: T0 + 2, seq: 3, value: 40 },
    ]);
    const answer = store.history({ device: 'd1', metric: 'temperature', from: T0, to: T0 + 1000, step: 1000 });
    expect(answer).toEqual({ ok: true, value: { device: 'd1', metric: 'temperature', step: 1000, points: [[T0, 21.5, 21.5, 21.5, 1]] } });
  });

  it('serves commands and registry entries before their commit', () => {
    const { store } = fx.open(fx.file(), { commitIntervalMs: 60_000 });
    store.saveDevice(DEVICE);
    store.saveCommand(COMMAND);
    expect(store.devices()).toEqual([DEVICE]);
    expect(store.command('c1')).toEqual(COMMAND);
  });

  it('continues seq after a clean restart and applies the schema once, recording its version', async () => {
    const file = fx.file();
    const first = fx.open(file);
    await first.store.append(telemetry(41, T0, 'd1', { temperature: 1 }));
    await first.store.close();
    first.db.close();

    const { store, db } = fx.open(file);
    expect(store.lastSeq()).toBe(41);
    await expect(store.append(telemetry(41, T0, 'd1', { temperature: 1 }))).rejects.toThrow(/not above/);
    await store.append(telemetry(42, T0, 'd1', { temperature: 2 }));
    expect(db.prepare("SELECT version FROM schema_version WHERE part = 'history'").pluck().get()).toBe(HISTORY_MIGRATIONS.length);
    expect(store.messagesAfter(0, ['#'], 10).messages.map((m) => m.seq)).toEqual([41, 42]);
  });

  it('refuses data that cannot be stored as JSON without queueing it', async () => {
    const { store } = fx.open(fx.file());
    const bad = { ...telemetry(1, T0, 'd1', {}), data: { n: 10n } as never };
    await expect(store.append(bad)).rejects.toThrow(/not JSON/);
    expect(store.health().pending).toBe(0);
    expect(store.lastSeq()).toBe(0);
  });
});
