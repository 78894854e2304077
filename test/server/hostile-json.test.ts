/**
 * JSON nested thousands of levels deep (10 KB of `[[[[…]]]]`, well under the payload limit),
 * from a device over real MQTT at QoS 0 and 1 and as command args over HTTP and WebSocket:
 * refused at the boundary with a reason, while every browser stream stays up and the device
 * stays connected and acknowledged.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RejectData } from '../../protocol/message.js';
import { type Session, iframeClient, sseClient, wsClient } from '../bridge/support/transport-clients.js';
import { startHub, stopAll, waitFor } from '../support/hub.js';

const sessions: Session[] = [];
const devices: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(devices.splice(0).map((d) => d.endAsync(true)));
  await stopAll();
});

const DEEP = '['.repeat(5000) + ']'.repeat(5000);
const rejectsOf = (s: Session): RejectData[] => s.messages.filter((m) => m.kind === 'reject').map((m) => m.data as unknown as RejectData);

describe('deeply nested JSON', () => {
  it('from a device becomes a reject at QoS 0 and 1; SSE, WebSocket and iframe subscribers stay connected', async () => {
    const hub = await startHub();
    for (const client of [sseClient, wsClient, iframeClient]) sessions.push(await client.open(hub.httpUrl, { filters: ['devices/deep1/#'] }));
    const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'deep1', reconnectPeriod: 0 });
    devices.push(device);
    let closes = 0;
    device.on('close', () => closes++);

    await device.publishAsync('devices/deep1/events', DEEP, { qos: 0 });
    await device.publishAsync('devices/deep1/raw', DEEP, { qos: 0 });
    await device.publishAsync('devices/deep1/telemetry', `{"t":${DEEP}}`, { qos: 1 }); // resolves on its PUBACK
    await device.publishAsync('devices/deep1/telemetry', '{"temp_c":21.5}', { qos: 1 });

    for (const s of sessions) {
      await waitFor(() => s.messages.some((m) => m.kind === 'telemetry'), 10_000, 'the telemetry after the deep payloads');
      expect(rejectsOf(s).map((r) => [r.topic, r.code])).toEqual([
        ['devices/deep1/events', 'too_complex'],
        ['devices/deep1/raw', 'too_complex'],
        ['devices/deep1/telemetry', 'too_complex'],
      ]);
      expect(s.messages.filter((m) => m.kind === 'telemetry').map((m) => m.data)).toEqual([{ temp_c: 21.5 }]);
      expect(s.controls.filter((c) => c.op === 'end')).toEqual([]);
    }
    expect(closes).toBe(0);
    expect(device.connected).toBe(true);
  });

  it('as command args is refused with 400 over HTTP and an error frame over WebSocket, and nothing is sent to the device', async () => {
    const hub = await startHub();
    const device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'deep2', reconnectPeriod: 0 });
    devices.push(device);
    const commands: string[] = [];
    device.on('message', (topic) => commands.push(topic));
    await device.subscribeAsync('devices/deep2/cmd/#', { qos: 1 });
    await device.publishAsync('devices/deep2/status', '{"online":true}', { qos: 1, retain: true });

    const url = `${hub.httpUrl}/api/devices/deep2/commands`;
    const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await waitFor(async () => (await post('{"name":"led","args":{"state":"on"}}')).status === 202, 10_000, 'the device online');
    await waitFor(() => commands.length === 1, 10_000, 'the first command');

    const res = await post(`{"name":"led","args":{"v":${DEEP}}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'too_complex' });

    const ws = await wsClient.open(hub.httpUrl, { filters: ['devices/deep2/#'] });
    sessions.push(ws);
    ws.send?.({ op: 'command', device: 'deep2', name: 'led', args: { v: JSON.parse('['.repeat(30) + ']'.repeat(30)) as unknown } });
    ws.send?.(JSON.parse(`{"op":"command","device":"deep2","name":"led","args":{"v":${'['.repeat(40) + ']'.repeat(40)}}}`) as object);
    await waitFor(() => ws.controls.some((c) => c.op === 'error'), 10_000, 'the error frame');
    await waitFor(() => commands.length === 2, 10_000, 'the command within the bounds');
    expect(ws.controls.filter((c) => c.op === 'error')).toEqual([{ op: 'error', error: expect.stringContaining('deeper than 32') as unknown }]);
    expect(commands).toHaveLength(2);
  });
});
