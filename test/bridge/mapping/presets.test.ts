/**
 * The shipped presets against the real hub: real MQTT clients publish what Tasmota, Shelly
 * Gen2, Zigbee2MQTT and ESPHome publish (their default topic layouts and payloads), and the
 * devices appear in the registry, history and alerts like native ones, while the raw publish
 * still reaches browsers as `message`. A payload a rule cannot read is a reject, never a crash.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView, HistoryBody, HubMessage } from '../../../protocol/message.js';
import { AlertApi } from '../alerts/support.js';
import { type Session, sseClient } from '../support/transport-clients.js';
import { type TestHub, startHub, stopAll, waitFor } from '../../support/hub.js';

/** Rules as a config file's `mapping-rules` holds them, for a plug with firmware of its own. */
const OWN_RULES = {
  source: 'my-plugs',
  rules: [
    {
      name: 'plug',
      topic: 'plugs/{id}/state',
      when: { path: 'type', is: 'report' },
      readings: { power: 'meter.watts', voltage: "meter['V']" },
      units: { power: 'W', voltage: 'V' },
      status: { path: 'link', online: 'up', offline: 'down' },
      info: { model: 'hw.model', fw: 'hw.version' },
      led: { path: 'relay', on: [true, 'ON'], off: [false, 'OFF'] },
      event: { type: 'button', path: 'press' },
    },
  ],
};

let hub: TestHub;
let watcher: Session;
const clients: MqttClient[] = [];

beforeAll(async () => {
  hub = await startHub({ map: ['tasmota', 'shelly-gen2', 'zigbee2mqtt', 'esphome'], mapRules: { where: 'test config: mapping-rules', rules: OWN_RULES } });
  watcher = await sseClient.open(hub.httpUrl, { filters: ['#'] });
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await watcher.close();
  await stopAll();
});

async function connect(clientId: string, will?: { topic: string; payload: string }): Promise<MqttClient> {
  const client = await mqtt.connectAsync(hub.mqttUrl, { clientId, reconnectPeriod: 0, will: will && { ...will, qos: 1, retain: true } });
  clients.push(client);
  return client;
}
/** QoS 1: resolves after the PUBACK, which the hub sends once the raw message and its mapping are on disk. */
const publish = (client: MqttClient, topic: string, payload: string, retain = false): Promise<unknown> => client.publishAsync(topic, payload, { qos: 1, retain });

async function device(id: string): Promise<DeviceView> {
  const res = await fetch(`${hub.httpUrl}/api/devices/${id}`);
  expect(res.status, id).toBe(200);
  return (await res.json()) as DeviceView;
}
const seen = (pred: (m: HubMessage) => boolean, what: string): Promise<HubMessage> => waitFor(() => watcher.messages.find(pred), 10_000, what);

describe('the Tasmota preset', () => {
  it('maps LWT, INFO1, SENSOR and STATE into the registry, history and alerts; the raw publish flows as message', async () => {
    const plug = await connect('DVES_A1B2C3', { topic: 'tele/tasmota_A1B2C3/LWT', payload: 'Offline' });
    await publish(plug, 'tele/tasmota_A1B2C3/LWT', 'Online', true);
    await publish(plug, 'tele/tasmota_A1B2C3/INFO1', '{"Info1":{"Module":"Sonoff Pow R2","Version":"13.2.0(release-tasmota)","FallbackTopic":"cmnd/DVES_A1B2C3_fb/","GroupTopic":"cmnd/tasmotas/"}}');
    const sensor = (voltage: number): string =>
      `{"Time":"2024-05-01T12:00:00","ENERGY":{"TotalStartTime":"2024-01-01T00:00:00","Total":12.345,"Yesterday":0.8,"Today":0.21,"Period":0,"Power":45,"ApparentPower":52,"ReactivePower":26,"Factor":0.87,"Voltage":${voltage},"Current":0.214}}`;
    await publish(plug, 'tele/tasmota_A1B2C3/SENSOR', sensor(229));
    // An alert rule on the mapped metric, which the hub knows by now.
    await new AlertApi(() => hub.httpUrl).rule({ name: 'overvoltage', metric: 'voltage', above: 240 });
    await publish(plug, 'tele/tasmota_A1B2C3/SENSOR', sensor(243));
    await publish(plug, 'tele/tasmota_A1B2C3/STATE', '{"Time":"2024-05-01T12:00:00","Uptime":"0T00:05:00","UptimeSec":300,"Heap":25,"POWER":"ON","Wifi":{"AP":1,"SSId":"home","RSSI":78,"Signal":-61}}');

    const d = await device('tasmota_A1B2C3');
    expect(d).toMatchObject({
      online: true,
      source: 'tasmota',
      model: 'Sonoff Pow R2',
      fw: '13.2.0(release-tasmota)',
      led: { state: 'on' },
      problems: [],
      metrics: { voltage: { value: 243 }, current: { value: 0.214 }, power: { value: 45 }, energy_total: { value: 12.345 }, uptime: { value: 300 }, wifi_signal: { value: -61 } },
    });
    expect(d.units).toMatchObject({ voltage: 'V', current: 'A', power: 'W', energy_total: 'kWh', wifi_signal: 'dBm' });
    expect(d.metrics).not.toHaveProperty('temperature');

    // History and rollups take the mapped readings like native ones.
    const telemetry = await seen((m) => m.topic === 'devices/tasmota_A1B2C3/telemetry' && m.kind === 'telemetry' && 'voltage' in (m.data as object), 'mapped telemetry');
    const from = Math.floor(telemetry.ts / 60_000) * 60_000;
    const history = (await (await fetch(`${hub.httpUrl}/api/history?device=tasmota_A1B2C3&metric=voltage&from=${from}&to=${Date.now() + 1}&step=60000`)).json()) as HistoryBody;
    const points = history.points;
    expect(points.reduce((n, p) => n + p[4], 0)).toBe(2);
    expect(Math.min(...points.map((p) => p[2]))).toBe(229);
    expect(Math.max(...points.map((p) => p[3]))).toBe(243);
    // The alert rule fires for the mapped device.
    const alert = await seen((m) => m.kind === 'alert' && (m.data as { device?: string }).device === 'tasmota_A1B2C3', 'an alert');
    expect(alert.data).toMatchObject({ name: 'overvoltage', state: 'firing', value: 243 });
    // The raw publish still reaches browsers, as it came.
    const raw = await seen((m) => m.topic === 'tele/tasmota_A1B2C3/SENSOR', 'the raw SENSOR');
    expect(raw).toMatchObject({ kind: 'message', device: null });
    expect((raw.data as { ENERGY: { Voltage: number } }).ENERGY.Voltage).toBe(229);
    expect(raw.seq).toBeLessThan(telemetry.seq);

    // The plug drops off the network: its last will is mapped to offline.
    plug.stream.destroy();
    await waitFor(async () => ((await device('tasmota_A1B2C3')).online ? null : true), 10_000, 'offline after the last will');
  });

  it('rejects a payload the rule cannot read, names the rule, keeps the problem until a good payload', async () => {
    const plug = await connect('DVES_D4E5F6');
    await publish(plug, 'tele/tasmota_D4E5F6/SENSOR', '{"Time":"2024-05-01T12:00:00","ENERGY":{"Voltage":"high"}}');
    const reject = await seen((m) => m.kind === 'reject' && m.device === 'tasmota_D4E5F6', 'a reject');
    expect(reject.topic).toBe('tele/tasmota_D4E5F6/SENSOR');
    expect((reject.data as { reason: string }).reason).toBe('mapping rule tasmota/sensor: ENERGY.Voltage is "high", not a number');
    expect((await device('tasmota_D4E5F6')).problems).toEqual(['mapping rule tasmota/sensor: ENERGY.Voltage is "high", not a number']);
    // Not JSON at all, and a payload with nothing the rule maps: rejects, and the hub goes on.
    await publish(plug, 'tele/tasmota_D4E5F6/SENSOR', '<<<not json');
    await publish(plug, 'tele/tasmota_D4E5F6/SENSOR', '{"Time":"2024-05-01T12:00:00","Switch1":"ON"}');
    await waitFor(() => watcher.messages.filter((m) => m.kind === 'reject' && m.device === 'tasmota_D4E5F6').length === 3 || null, 10_000, 'three rejects');
    await publish(plug, 'tele/tasmota_D4E5F6/SENSOR', '{"Time":"2024-05-01T12:00:00","AM2301":{"Temperature":21.4,"Humidity":48.2},"TempUnit":"C"}');
    const d = await device('tasmota_D4E5F6');
    expect(d.problems).toEqual([]);
    expect(d.metrics).toMatchObject({ temperature: { value: 21.4 }, humidity: { value: 48.2 } });
  });
});

describe('rules of its own (a config file\'s mapping-rules)', () => {
  it('maps readings with units, status, model and firmware, the relay and a button, only for payloads its `when` takes', async () => {
    const plug = await connect('porch-plug');
    await publish(plug, 'plugs/porch-plug/state', '{"type":"hello","link":"bogus"}');
    await publish(plug, 'plugs/porch-plug/state', JSON.stringify({ type: 'report', link: 'up', hw: { model: 'PX-2', version: '0.9' }, meter: { watts: 61.5, V: 229.9 }, relay: true, press: 'long' }));
    const d = await device('porch-plug');
    expect(d).toMatchObject({ source: 'my-plugs', online: true, model: 'PX-2', fw: '0.9', led: { state: 'on' }, units: { power: 'W', voltage: 'V' }, metrics: { power: { value: 61.5 }, voltage: { value: 229.9 } }, problems: [] });
    expect(watcher.messages.filter((m) => m.device === 'porch-plug' && m.kind === 'event').map((m) => m.data)).toEqual([{ type: 'button', value: 'long' }]);
    await publish(plug, 'plugs/porch-plug/state', '{"type":"report","link":"down"}');
    expect((await device('porch-plug')).online).toBe(false);
  });
});

describe('the Shelly Gen2 preset', () => {
  it('maps online, the switch status and button events; other RPC notifications are not its business', async () => {
    const shelly = await connect('shellyplus1pm-441793ab1234', { topic: 'shellyplus1pm-441793ab1234/online', payload: 'false' });
    await publish(shelly, 'shellyplus1pm-441793ab1234/online', 'true', true);
    await publish(
      shelly,
      'shellyplus1pm-441793ab1234/status/switch:0',
      '{"id":0,"source":"init","output":true,"apower":8.9,"voltage":231.4,"current":0.059,"aenergy":{"total":402.718,"by_minute":[0,0,0],"minute_ts":1714564800},"temperature":{"tC":44.1,"tF":111.4}}',
    );
    await publish(shelly, 'shellyplus1pm-441793ab1234/events/rpc', '{"src":"shellyplus1pm-441793ab1234","dst":"shellyplus1pm-441793ab1234/events","method":"NotifyStatus","params":{"ts":1714564800.12,"switch:0":{"id":0,"apower":9.1}}}');
    await publish(shelly, 'shellyplus1pm-441793ab1234/events/rpc', '{"src":"shellyplus1pm-441793ab1234","dst":"shellyplus1pm-441793ab1234/events","method":"NotifyEvent","params":{"ts":1714564801.5,"events":[{"component":"input:0","id":0,"event":"single_push","ts":1714564801.5}]}}');
    const event = await seen((m) => m.kind === 'event' && m.device === 'shellyplus1pm-441793ab1234', 'a button event');
    expect(event).toMatchObject({ topic: 'devices/shellyplus1pm-441793ab1234/events', data: { type: 'button', value: 'single_push' } });
    const d = await device('shellyplus1pm-441793ab1234');
    expect(d).toMatchObject({ online: true, source: 'shelly', led: { state: 'on' }, problems: [], metrics: { power: { value: 8.9 }, voltage: { value: 231.4 }, energy_total: { value: 402.718 }, temperature: { value: 44.1 } } });
    expect(d.units).toMatchObject({ power: 'W', temperature: '°C' });
    expect(watcher.messages.some((m) => m.kind === 'reject' && m.device === 'shellyplus1pm-441793ab1234')).toBe(false);
    await publish(shelly, 'shellyplus1pm-441793ab1234/online', 'false', true);
    expect((await device('shellyplus1pm-441793ab1234')).online).toBe(false);
  });
});

describe('the Zigbee2MQTT preset', () => {
  it('maps the device state, availability and actions; a friendly name that is no device id is refused', async () => {
    const bridge = await connect('zigbee2mqtt_1a2b3c');
    await publish(bridge, 'zigbee2mqtt/bridge/state', '{"state":"online"}', true);
    await publish(bridge, 'zigbee2mqtt/kitchen_sensor/availability', '{"state":"online"}', true);
    await publish(bridge, 'zigbee2mqtt/kitchen_sensor', '{"battery":97,"humidity":45.2,"linkquality":120,"temperature":22.5,"voltage":3000,"contact":false}');
    await publish(bridge, 'zigbee2mqtt/hall_button', '{"action":"double","battery":100,"linkquality":87}');
    await publish(bridge, 'zigbee2mqtt/hall_button', '{"action":"","battery":100,"linkquality":87}');
    await publish(bridge, 'zigbee2mqtt/desk_lamp', '{"state":"ON","brightness":254,"color_temp":370,"linkquality":150}');
    await publish(bridge, 'zigbee2mqtt/old_plug/availability', 'offline', true);
    await publish(bridge, 'zigbee2mqtt/Living Room Lamp', '{"state":"ON"}');

    expect(await device('kitchen_sensor')).toMatchObject({ source: 'zigbee2mqtt', online: true, metrics: { temperature: { value: 22.5 }, humidity: { value: 45.2 }, battery: { value: 97 }, contact: { value: 0 } } });
    expect((await device('kitchen_sensor')).units).toMatchObject({ temperature: '°C', battery: '%' });
    expect((await device('desk_lamp')).led).toEqual({ state: 'on' });
    expect((await device('old_plug')).online).toBe(false);
    const actions = watcher.messages.filter((m) => m.kind === 'event' && m.device === 'hall_button');
    expect(actions.map((m) => m.data)).toEqual([{ type: 'action', value: 'double' }]);
    const refused = await seen((m) => m.kind === 'reject' && m.topic === 'zigbee2mqtt/Living Room Lamp', 'a bad id reject');
    expect(refused).toMatchObject({ device: null, data: { code: 'bad_device_id' } });
    // The bridge's own topics are not devices.
    expect((await fetch(`${hub.httpUrl}/api/devices/bridge`)).status).toBe(404);
  });
});

describe('the ESPHome preset', () => {
  it('maps status, sensor and binary sensor states and the light', async () => {
    const node = await connect('garden-node', { topic: 'garden-node/status', payload: 'offline' });
    await publish(node, 'garden-node/status', 'online', true);
    await publish(node, 'garden-node/sensor/soil_moisture/state', '41.5', true);
    await publish(node, 'garden-node/binary_sensor/motion/state', 'ON', true);
    await publish(node, 'garden-node/light/porch_light/state', '{"state":"OFF","color_mode":"brightness","brightness":0}', true);
    await publish(node, 'garden-node/sensor/Bad Name/state', '1');
    expect(await device('garden-node')).toMatchObject({
      source: 'esphome',
      online: true,
      led: { state: 'off' },
      metrics: { soil_moisture: { value: 41.5 }, motion: { value: 1 } },
    });
    const reject = await seen((m) => m.kind === 'reject' && m.device === 'garden-node', 'the bad metric');
    expect((reject.data as { reason: string }).reason).toContain('"Bad Name"');
    node.stream.destroy();
    await waitFor(async () => ((await device('garden-node')).online ? null : true), 10_000, 'offline after the last will');
  });

  it('never maps native topics, and leaves topics no rule names as plain messages', async () => {
    const other = await connect('native-1');
    await publish(other, 'devices/native-1/status', '{"online":true}');
    await publish(other, 'weather/station/status', 'online');
    await publish(other, 'something/else', '{"temperature":3}');
    expect((await device('native-1')).source).toBe('native');
    const raw = await seen((m) => m.topic === 'something/else', 'the plain message');
    expect(raw.kind).toBe('message');
    expect((await fetch(`${hub.httpUrl}/api/devices/something`)).status).toBe(404);
  });

  it('never writes into a device that publishes natively: its id on a foreign topic is refused', async () => {
    const native = await connect('tasmota_NATIVE');
    await publish(native, 'devices/tasmota_NATIVE/telemetry', '{"voltage":230}');
    const intruder = await connect('intruder');
    await publish(intruder, 'tele/tasmota_NATIVE/SENSOR', '{"ENERGY":{"Voltage":1}}');
    const refused = await seen((m) => m.kind === 'reject' && m.topic === 'tele/tasmota_NATIVE/SENSOR', 'the refusal');
    expect(refused.data).toMatchObject({ code: 'forbidden' });
    expect(await device('tasmota_NATIVE')).toMatchObject({ source: 'native', metrics: { voltage: { value: 230 } } });
  });
});
