/**
 * On the whole hub: Spring's broadcast example as written. A STOMP SEND to `/topic/{topic}`
 * goes through the broker, so an MQTT subscriber gets it, and every browser transport
 * (STOMP, SSE, WebSocket) subscribed to that topic gets the same message; a subscriber of
 * another topic gets nothing. And a device's MQTT publish reaches a STOMP subscriber.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubMessage } from '../../../../protocol/message.js';
import { type TestHub, startHub, stopAll, waitFor } from '../../../support/hub.js';
import { type StompLink, stompConnect } from '../../support/stomp-client.js';
import { type Session, sseClient, wsClient } from '../../support/transport-clients.js';

let hub: TestHub;
let device: MqttClient;
const open: { close(): Promise<unknown> }[] = [];
beforeAll(async () => {
  hub = await startHub();
  device = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'listener', reconnectPeriod: 0 });
});
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
  await device.endAsync(true);
  await stopAll();
});

async function stomp(): Promise<StompLink> {
  const l = await stompConnect(hub.httpUrl);
  open.push(l);
  return l;
}
async function session(client: typeof sseClient, filters: string[]): Promise<Session> {
  const s = await client.open(hub.httpUrl, { filters });
  open.push(s);
  return s;
}

describe('STOMP on the whole hub', () => {
  it('a SEND to /topic/{topic} reaches MQTT and every transport subscribed to it, and no one else', async () => {
    const heard: string[] = [];
    await device.subscribeAsync('chat/#', { qos: 1 });
    device.on('message', (topic, payload) => heard.push(`${topic} ${payload.toString()}`));
    const [sender, listener, bystander] = [await stomp(), await stomp(), await stomp()];
    const atStomp = await listener.subscribe('/topic/chat/+');
    const atOther = await bystander.subscribe('/topic/news/#');
    const [sse, ws] = [await session(sseClient, ['chat/#']), await session(wsClient, ['chat/#'])];
    await sender.send('/topic/chat/room', '{"text":"hello"}');
    await waitFor(() => heard.length === 1 && atStomp.length === 1 && sse.messages.length === 1 && ws.messages.length === 1, 10_000, 'everyone');
    expect(heard).toEqual(['chat/room {"text":"hello"}']);
    const msg = JSON.parse(atStomp[0]!.body) as HubMessage;
    expect(msg).toMatchObject({ topic: 'chat/room', kind: 'message', data: { text: 'hello' } });
    expect(sse.messages[0]).toEqual(msg);
    expect(ws.messages[0]).toEqual(msg);
    await bystander.subscribe('/topic/barrier');
    expect(atOther).toHaveLength(0);
  });

  it('a device publish over MQTT reaches a STOMP subscriber', async () => {
    const l = await stomp();
    const got = await l.subscribe('/topic/devices/porch/telemetry/#');
    await device.publishAsync('devices/porch/telemetry/temperature', '21.5', { qos: 1 });
    await waitFor(() => got.length === 1, 10_000, 'the reading');
    expect(JSON.parse(got[0]!.body)).toMatchObject({ device: 'porch', kind: 'telemetry', topic: 'devices/porch/telemetry/temperature' });
  });
});
