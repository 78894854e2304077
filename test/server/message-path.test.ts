/**
 * One path for a message, end to end through the whole hub: both telemetry forms published by
 * Debian's `mosquitto_pub` (the README's first way to connect a device) reach history (raw
 * points and rollups), the registry and the dashboard's fleet store; a command reaches the
 * device once, over MQTT, and is recorded once, as a `command` message.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, DeviceView, HistoryBody, HubMessage } from '../../protocol/message.js';
import { toDeviceView } from '../../web/src/net/message-guard.js';
import { FleetStore } from '../../web/src/state/fleet-store.js';
import { type Session, sseClient } from '../bridge/support/transport-clients.js';
import { type TestHub, startHub, stopAll, waitFor } from '../support/hub.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const MINUTE = 60_000;

let hub: TestHub;
let watcher: Session;
beforeAll(async () => {
  hub = await startHub();
  watcher = await sseClient.open(hub.httpUrl, { filters: ['devices/#'] });
});
afterAll(async () => {
  await watcher.close();
  await stopAll();
});

/** `mosquitto_pub` at QoS 1: it exits after the PUBACK, which the hub sends once the message is on disk. */
async function mosquittoPub(topic: string, payload: string): Promise<void> {
  const { port } = new URL(hub.mqttUrl);
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-i', 'porch-sensor', '-t', topic, '-m', payload]);
}

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${hub.httpUrl}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** The one bucket of `metric` over the hour (or minute) around `ts`, as `GET /api/history` answers it. */
async function bucket(device: string, metric: string, ts: number, width: number): Promise<HistoryBody['points']> {
  const from = Math.floor(ts / width) * width;
  const body = await json<HistoryBody>(`/api/history?device=${device}&metric=${metric}&from=${from}&to=${from + width}&step=${width}`);
  return body.points;
}

describe('telemetry from mosquitto_pub, in both contract forms', () => {
  it('is in history (points and rollups), the registry and the dashboard store', async () => {
    await mosquittoPub('devices/porch/telemetry/temperature', '21.5');
    await mosquittoPub('devices/porch/telemetry', '{"voltage":221,"ts":5}');
    // Not readings: a word on a metric topic becomes a reject, and the device clock is not a metric.
    await mosquittoPub('devices/porch/telemetry/humidity', 'high');

    const live = await waitFor(() => {
      const got = watcher.messages.filter((m) => m.device === 'porch');
      return got.length === 3 ? got : null;
    }, 10_000, 'three porch messages');
    expect(live.map((m) => m.kind)).toEqual(['telemetry', 'telemetry', 'reject']);
    const [temperature, voltage] = live as [HubMessage, HubMessage];

    for (const width of [HOUR, MINUTE]) {
      const [t] = await bucket('porch', 'temperature', temperature.ts, width);
      expect(t?.slice(1)).toEqual([21.5, 21.5, 21.5, 1]);
      const [v] = await bucket('porch', 'voltage', voltage.ts, width);
      expect(v?.slice(1)).toEqual([221, 221, 221, 1]);
      expect(await bucket('porch', 'humidity', temperature.ts, width)).toEqual([]);
      expect(await bucket('porch', 'ts', temperature.ts, width)).toEqual([]);
    }

    const device = await json<DeviceView>('/api/devices/porch');
    expect(device.metrics).toEqual({ temperature: { value: 21.5, ts: temperature.ts }, voltage: { value: 221, ts: voltage.ts } });
    expect(device.online).toBe(true);

    // The dashboard's store, fed the live stream the page gets, agrees with the registry.
    const store = new FleetStore();
    for (const m of watcher.messages) store.apply(m);
    expect(store.devices.get('porch')?.metrics).toEqual(device.metrics);
    const fromSnapshot = new FleetStore();
    fromSnapshot.applySnapshot([toDeviceView(device) as DeviceView]);
    expect(fromSnapshot.devices.get('porch')?.metrics).toEqual(device.metrics);
  });
});

describe('a command', () => {
  it('reaches the device once over MQTT and is recorded once, as command messages, settled after the ack', async () => {
    const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'lamp', reconnectPeriod: 0 });
    const received: { topic: string; payload: string }[] = [];
    device.on('message', (topic, payload) => {
      received.push({ topic, payload: payload.toString() });
      const { id } = JSON.parse(payload.toString()) as { id: string };
      device.publish('devices/lamp/ack', JSON.stringify({ id, ok: true, result: { state: 'on' } }));
    });
    await device.subscribeAsync('devices/lamp/cmd/#', { qos: 1 });
    await device.publishAsync('devices/lamp/status', '{"online":true}', { qos: 1 });

    const res = await fetch(`${hub.httpUrl}/api/devices/lamp/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"led","args":{"state":"on"}}' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    const onLamp = (): HubMessage[] => watcher.messages.filter((m) => m.device === 'lamp' && m.kind !== 'status');
    await waitFor(() => onLamp().some((m) => m.kind === 'command' && (m.data as unknown as CommandView).status === 'acked'), 10_000, 'the acked command');
    expect(received).toEqual([{ topic: 'devices/lamp/cmd/led', payload: JSON.stringify({ id, args: { state: 'on' } }) }]);
    const path = onLamp().map((m) => [m.topic, m.kind, m.kind === 'command' ? (m.data as unknown as CommandView).status : null]);
    expect(path).toEqual([
      ['devices/lamp/cmd/led', 'command', 'pending'],
      ['devices/lamp/ack', 'ack', null],
      ['devices/lamp/cmd/led', 'command', 'acked'],
    ]);
    expect(await json<CommandView>(`/api/commands/${id}`)).toMatchObject({ status: 'acked', result: { state: 'on' } });
    await device.endAsync();
  });
});
