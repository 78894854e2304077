/**
 * MQTT 5 through the whole hub (docs/CONTRACT.md "MQTT 5"): a v5 publish's properties reach
 * browsers as `props`, live and on replay from SQLite on every transport, after a restart too;
 * a command to a v5 device carries Response Topic and Correlation Data, and an ack carrying the
 * Correlation Data alone settles it; a 3.1.1 device works as before.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, HubMessage, MessageProps } from '../../protocol/message.js';
import { ALL_CLIENTS, type Session, sseClient, wsClient } from '../bridge/support/transport-clients.js';
import { type TestHub, startHub, stopAll, waitFor } from '../support/hub.js';

const run = promisify(execFile);

let hub: TestHub;
const opened: { close(): unknown }[] = [];
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await Promise.allSettled(opened.splice(0).map(async (c) => c.close()));
  await stopAll();
});

const track = <T extends { close(): unknown }>(c: T): T => {
  opened.push(c);
  return c;
};
const trackClient = (c: MqttClient): MqttClient => {
  opened.push({ close: () => c.endAsync(true) });
  return c;
};
const open = async (client: typeof sseClient, filters: string[], since?: number): Promise<Session> => track(await client.open(hub.httpUrl, { filters, since }));

async function device(id: string, protocolVersion: 4 | 5): Promise<MqttClient> {
  const client = trackClient(await mqtt.connectAsync(hub.mqttUrl, { clientId: id, protocolVersion, reconnectPeriod: 0 }));
  await client.publishAsync(`devices/${id}/status`, '{"online":true}', { qos: 1 });
  return client;
}

/** `mosquitto_pub -V 5` at QoS 1: it exits after the PUBACK, once the hub has the message on disk. */
async function mosquittoPub5(topic: string, payload: string, properties: [string, ...string[]][]): Promise<void> {
  const { port } = new URL(hub.mqttUrl);
  const props = properties.flatMap((p) => ['-D', 'publish', ...p]);
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-V', '5', '-q', '1', '-i', 'porch-v5', '-t', topic, '-m', payload, ...props]);
}

const PORCH_PROPS: MessageProps = {
  contentType: 'application/json',
  payloadFormat: 1,
  responseTopic: 'replies/porch',
  correlationData: { base64: Buffer.from('req-7').toString('base64') },
  // A computed key: a literal `__proto__:` would set the prototype, not a key.
  user: { site: 'north', k: ['v', 'w'], ['__proto__']: '<b>x</b>' },
};
const PORCH_ARGS: [string, ...string[]][] = [
  ['user-property', 'site', 'north'],
  ['user-property', 'k', 'v'],
  ['user-property', 'k', 'w'],
  ['user-property', '__proto__', '<b>x</b>'],
  ['content-type', 'application/json'],
  ['payload-format-indicator', '1'],
  ['response-topic', 'replies/porch'],
  ['correlation-data', 'req-7'],
];

/** The props as a browser reads them: through JSON. */
const asJson = (props: MessageProps): unknown => JSON.parse(JSON.stringify(props));

describe('a v5 publish’s properties', () => {
  let before = 0;
  let porch: HubMessage;

  it('reach SSE and WebSocket browsers as props, and a 3.1.1 publish has none', async () => {
    const sse = await open(sseClient, ['devices/porch/#']);
    const ws = await open(wsClient, ['devices/porch/#']);
    await mosquittoPub5('devices/porch/telemetry', '{"temperature":21.5}', PORCH_ARGS);
    const old = trackClient(await mqtt.connectAsync(hub.mqttUrl, { clientId: 'porch-v4', protocolVersion: 4, reconnectPeriod: 0 }));
    await old.publishAsync('devices/porch/telemetry', '{"temperature":22}', { qos: 1 });
    await waitFor(() => sse.messages.length === 2 && ws.messages.length === 2, 10_000, 'both messages on both transports');

    [porch] = sse.messages as [HubMessage];
    before = porch.seq - 1;
    expect(porch).toMatchObject({ topic: 'devices/porch/telemetry', kind: 'telemetry', data: { temperature: 21.5 } });
    expect(porch.props).toEqual(asJson(PORCH_PROPS));
    expect(Object.keys(porch.props?.user ?? {})).toEqual(['site', 'k', '__proto__']);
    expect('props' in (sse.messages[1] as HubMessage)).toBe(false);
    expect(ws.messages).toEqual(sse.messages);
  });

  it('are replayed from the store on every transport', async () => {
    for (const client of ALL_CLIENTS) {
      const replay = await open(client, ['devices/porch/telemetry'], before);
      await waitFor(() => replay.messages.length === 2, 10_000, `${client.name} replay`);
      expect(replay.messages[0], client.name).toEqual(porch);
      expect('props' in (replay.messages[1] as HubMessage), client.name).toBe(false);
      await replay.close();
    }
  });

  it('are replayed after a restart, with Last-Event-ID, and kept in the event log', async () => {
    await mosquittoPub5('devices/porch/events', '{"type":"door"}', [['user-property', 'by', 'porch']]);
    const { dataDir } = hub;
    await hub.close();
    hub = await startHub({ dataDir });
    const res = await fetch(`${hub.httpUrl}/events?topic=devices/porch/%23`, { headers: { 'last-event-id': String(before) } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const lines = (): string[] => text.split('\n\n').slice(0, -1).flatMap((e) => e.split('\n')).filter((l) => l.startsWith('data: {"seq"'));
    while (lines().length < 3) text += decoder.decode((await reader.read()).value, { stream: true });
    await reader.cancel();
    const data = lines().map((l) => JSON.parse(l.slice(6)) as HubMessage);
    expect(data.map((m) => m.props ?? null)).toEqual([asJson(PORCH_PROPS), null, { user: { by: 'porch' } }]);

    const events = (await (await fetch(`${hub.httpUrl}/api/events?device=porch`)).json()) as { events: HubMessage[] };
    expect(events.events.map((e) => e.props)).toEqual([{ user: { by: 'porch' } }]);
  });
});

const stateOf = async (id: string): Promise<CommandView> => (await (await fetch(`${hub.httpUrl}/api/commands/${id}`)).json()) as CommandView;
async function command(deviceId: string, name: string): Promise<string> {
  const res = await fetch(`${hub.httpUrl}/api/devices/${deviceId}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, args: { on: true } }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}
const nextCommand = (client: MqttClient): Promise<IPublishPacket> => new Promise((resolve) => client.once('message', (_topic, _payload, packet) => resolve(packet)));
const statuses = (s: Session, id: string): string[] => s.messages.filter((m) => m.kind === 'command' && (m.data as unknown as CommandView).id === id).map((m) => (m.data as unknown as CommandView).status);

describe('commands to a v5 device', () => {
  it('carry Response Topic and Correlation Data, and an ack with the Correlation Data alone settles them', async () => {
    const dev = await device('v5dev', 5);
    await dev.subscribeAsync('devices/v5dev/cmd/+', { qos: 1 });
    const watcher = await open(sseClient, ['devices/v5dev/#']);
    const arrived = nextCommand(dev);
    const id = await command('v5dev', 'led');
    const packet = await arrived;
    expect(JSON.parse(packet.payload.toString())).toEqual({ id, args: { on: true } });
    expect(packet.properties?.responseTopic).toBe('devices/v5dev/ack');
    expect(packet.properties?.correlationData?.toString()).toBe(id);

    // The answer as an MQTT 5 responder sends it: to the Response Topic, the Correlation Data echoed, no id.
    const { responseTopic, correlationData } = packet.properties as { responseTopic: string; correlationData: Buffer };
    await dev.publishAsync(responseTopic, '{"ok":true,"result":{"led":"on"}}', { qos: 1, properties: { correlationData } });
    await waitFor(() => statuses(watcher, id).includes('acked'), 10_000, 'acked');
    const ack = watcher.messages.find((m) => m.kind === 'ack') as HubMessage;
    expect(ack.data).toEqual({ ok: true, result: { led: 'on' } });
    expect(ack.props).toEqual({ correlationData: { base64: Buffer.from(id).toString('base64') } });
    expect(await stateOf(id)).toMatchObject({ status: 'acked', result: { led: 'on' } });
  });

  it('refuses an ack with neither an id nor Correlation Data, and one answering another command changes nothing', async () => {
    const dev = await device('v5dev2', 5);
    await dev.subscribeAsync('devices/v5dev2/cmd/+', { qos: 1 });
    const watcher = await open(sseClient, ['devices/v5dev2/#']);
    const id = await command('v5dev2', 'led');
    await dev.publishAsync('devices/v5dev2/ack', '{"ok":true}', { qos: 1 });
    await dev.publishAsync('devices/v5dev2/ack', '{"ok":true}', { qos: 1, properties: { correlationData: Buffer.from('no-such-command') } });
    await waitFor(() => watcher.messages.filter((m) => m.kind === 'reject' || m.kind === 'ack').length === 2, 10_000, 'the reject and the stray ack');
    expect(watcher.messages.find((m) => m.kind === 'reject')?.data).toMatchObject({ code: 'bad_payload', topic: 'devices/v5dev2/ack' });
    expect((await stateOf(id)).status).toBe('pending');
  });
});

describe('commands to a 3.1.1 device', () => {
  it('arrive without properties, and its ack with the id settles them as before', async () => {
    const dev = await device('v4dev', 4);
    await dev.subscribeAsync('devices/v4dev/cmd/+', { qos: 1 });
    const watcher = await open(wsClient, ['devices/v4dev/#']);
    const arrived = nextCommand(dev);
    const id = await command('v4dev', 'led');
    const packet = await arrived;
    expect(JSON.parse(packet.payload.toString())).toEqual({ id, args: { on: true } });
    expect(packet.properties).toBeUndefined();
    await dev.publishAsync('devices/v4dev/ack', JSON.stringify({ id, ok: false, error: 'stuck' }), { qos: 1 });
    await waitFor(() => statuses(watcher, id).includes('failed'), 10_000, 'failed');
    expect('props' in (watcher.messages.find((m) => m.kind === 'ack') as HubMessage)).toBe(false);
    expect(await stateOf(id)).toMatchObject({ status: 'failed', error: 'stuck' });
  });
});
