/**
 * Home Assistant MQTT discovery, inbound, against the real hub: ESPHome-, Zigbee2MQTT- and
 * device-based configs published by real MQTT clients make devices whose state topics reach the
 * registry and history; unsupported templates are skipped with a visible reason, never
 * evaluated; bad, huge and forbidden configs are refused and counted; fleetwire's own are ignored.
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers } from '../../../auth/index.js';
import { discoveryConfig, haTopics } from '../../../protocol/home-assistant-discovery.js';
import type { DeviceView, HubMessage } from '../../../protocol/message.js';
import { type Session, sseClient } from '../support/transport-clients.js';
import { type TestHub, startHub, stopAll, tempDir, waitFor } from '../../support/hub.js';

let hub: TestHub;
let watcher: Session;
const clients: MqttClient[] = [];

beforeAll(async () => {
  hub = await startHub();
  watcher = await sseClient.open(hub.httpUrl, { filters: ['#'] });
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await watcher.close();
  await stopAll();
});

async function connect(url: string, clientId: string, auth: { username?: string; password?: string } = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...auth });
  clients.push(client);
  return client;
}
const publish = (c: MqttClient, topic: string, payload: string | object, retain = false): Promise<unknown> => c.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain });
async function device(id: string, base = hub.httpUrl): Promise<DeviceView> {
  const res = await fetch(`${base}/api/devices/${id}`);
  expect(res.status, id).toBe(200);
  return (await res.json()) as DeviceView;
}
const rejectsOn = (topic: string): HubMessage[] => watcher.messages.filter((m) => m.kind === 'reject' && m.topic === topic);
const counted = async (outcome: string): Promise<number> => {
  const text = await (await fetch(`${hub.httpUrl}/metrics`)).text();
  return Number(new RegExp(`^fleetwire_ha_discovery_configs_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};

describe('Home Assistant discovery', () => {
  it('an ESPHome sensor config maps its state and availability topics', async () => {
    const node = await connect(hub.mqttUrl, 'garden-node');
    await publish(node, 'homeassistant/sensor/garden-node/soil_moisture/config', {
      dev_cla: 'moisture',
      unit_of_meas: '%',
      stat_cla: 'measurement',
      name: 'Soil Moisture',
      stat_t: 'garden-node/sensor/soil_moisture/state',
      avty_t: 'garden-node/status',
      uniq_id: 'ESPsensorsoil_moisture',
      dev: { ids: 'a0b1c2d3e4f5', name: 'garden-node', sw: 'esphome v2024.5.0 May  1 2024', mdl: 'esp32dev', mf: 'espressif' },
      o: { name: 'ESPHome', sw: '2024.5.0', url: 'https://esphome.io' },
    }, true);
    await publish(node, 'garden-node/status', 'online', true);
    await publish(node, 'garden-node/sensor/soil_moisture/state', '41.5', true);
    expect(await device('garden-node')).toMatchObject({ source: 'ha-discovery', online: true, model: 'esp32dev', fw: 'esphome v2024.5.0 May  1 2024', units: { soil_moisture: '%' }, metrics: { soil_moisture: { value: 41.5 } }, problems: [] });
    await publish(node, 'garden-node/status', 'offline', true);
    expect((await device('garden-node')).online).toBe(false);
  });

  it('Zigbee2MQTT configs: value_json templates, a shared state topic, availability with a template, a binary sensor', async () => {
    const z2m = await connect(hub.mqttUrl, 'zigbee2mqtt_a1b2');
    const dev = { identifiers: ['zigbee2mqtt_0x00158d0001a2b3c4'], manufacturer: 'Aqara', model: 'Temperature and humidity sensor (WSDCGQ11LM)', name: 'bedroom_sensor', sw_version: '3000-0001' };
    const common = { availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }], device: dev, origin: { name: 'Zigbee2MQTT', sw: '1.37.1', url: 'https://www.zigbee2mqtt.io' }, state_topic: 'zigbee2mqtt/bedroom_sensor' };
    await publish(z2m, 'homeassistant/sensor/0x00158d0001a2b3c4/temperature/config', { ...common, device_class: 'temperature', object_id: 'bedroom_sensor_temperature', unique_id: '0x00158d0001a2b3c4_temperature_zigbee2mqtt', unit_of_measurement: '°C', value_template: '{{ value_json.temperature }}' }, true);
    await publish(z2m, 'homeassistant/sensor/0x00158d0001a2b3c4/humidity/config', { ...common, device_class: 'humidity', object_id: 'bedroom_sensor_humidity', unique_id: '0x00158d0001a2b3c4_humidity_zigbee2mqtt', unit_of_measurement: '%', value_template: '{{ value_json.humidity | round(0) }}' }, true);
    await publish(z2m, 'homeassistant/binary_sensor/0x00158d0001a2b3c4/contact/config', { ...common, device_class: 'door', object_id: 'bedroom_sensor_contact', payload_off: true, payload_on: false, unique_id: '0x00158d0001a2b3c4_contact_zigbee2mqtt', value_template: '{{ value_json.contact }}' }, true);
    await publish(z2m, 'zigbee2mqtt/bridge/state', '{"state":"online"}', true);
    await publish(z2m, 'zigbee2mqtt/bedroom_sensor', '{"battery":97,"contact":false,"humidity":45.6,"linkquality":120,"temperature":22.5,"voltage":3000}');
    const d = await device('0x00158d0001a2b3c4');
    expect(d).toMatchObject({ source: 'ha-discovery', online: true, model: 'Temperature and humidity sensor (WSDCGQ11LM)', metrics: { temperature: { value: 22.5 }, humidity: { value: 46 }, contact: { value: 1 } } });
    expect(d.units).toEqual({ temperature: '°C', humidity: '%' });
    expect(d.metrics).not.toHaveProperty('battery'); // no config named it
  });

  it('a device-based config with components; an unsupported template is skipped with its reason, never evaluated', async () => {
    const meter = await connect(hub.mqttUrl, 'porch_meter');
    await publish(meter, 'homeassistant/device/porch_meter/config', {
      dev: { ids: 'porch_meter_01', name: 'Porch meter', mf: 'Acme', mdl: 'PM-1', sw: '1.4' },
      o: { name: 'acme-fw', sw: '1.4' },
      cmps: {
        power: { p: 'sensor', unit_of_meas: 'W', val_tpl: '{{ value_json.power | float | round(1) }}', uniq_id: 'pm01_power' },
        voltage: { p: 'sensor', unit_of_meas: 'V', val_tpl: "{{ value_json['volt'] | int }}", uniq_id: 'pm01_v' },
        fancy: { p: 'sensor', val_tpl: "{{ (value_json.a * 3) | round(2) }}{{ ''.__class__ }}", uniq_id: 'pm01_fancy' },
        lamp: { p: 'light', schema: 'json', stat_t: 'porch/lamp/state', uniq_id: 'pm01_lamp' },
        door: { p: 'binary_sensor', val_tpl: '{{ value_json.door }}', pl_on: 'open', pl_off: 'closed', uniq_id: 'pm01_door' },
        button: { p: 'button', cmd_t: 'porch/meter/press', uniq_id: 'pm01_button' },
      },
      stat_t: 'porch/meter/state',
      avty_t: 'porch/meter/availability',
      qos: 1,
    }, true);
    await publish(meter, 'porch/meter/availability', 'online', true);
    await publish(meter, 'porch/meter/state', '{"power":"230.46","volt":"229.7","a":2,"door":"open"}');
    await publish(meter, 'porch/lamp/state', '{"state":"ON","brightness":128}');
    const d = await device('porch_meter');
    expect(d).toMatchObject({ source: 'ha-discovery', online: true, model: 'PM-1', fw: '1.4', led: { state: 'on' }, metrics: { power: { value: 230.5 }, voltage: { value: 229 }, door: { value: 1 } } });
    expect(d.metrics).not.toHaveProperty('fancy');
    expect(d.problems).toHaveLength(1);
    expect(d.problems[0]).toMatch(/^sensor fancy: value_template .* is not supported: only \{\{ value \}\} or \{\{ value_json\.path \}\}.*; skipped$/);

    // An empty retained config removes the entities: the state topic is a plain message again.
    const before = watcher.messages.filter((m) => m.device === 'porch_meter' && m.kind === 'telemetry').length;
    await publish(meter, 'homeassistant/device/porch_meter/config', '', true);
    await publish(meter, 'porch/meter/state', '{"power":"1","volt":"2","door":"closed"}');
    await waitFor(() => watcher.messages.find((m) => m.topic === 'porch/meter/state' && (m.data as { power?: string }).power === '1'), 10_000, 'the plain message');
    expect(watcher.messages.filter((m) => m.device === 'porch_meter' && m.kind === 'telemetry')).toHaveLength(before);
    expect(await counted('removed')).toBe(1);
  });

  it('ignores configs fleetwire published itself', async () => {
    const hubLike = await connect(hub.mqttUrl, 'other-fleetwire');
    await publish(hubLike, 'homeassistant/device/echo_1/config', { dev: { ids: 'echo_1' }, o: { name: 'fleetwire' }, cmps: { t: { p: 'sensor', stat_t: 'devices/echo_1/telemetry/t' } } }, true);
    await publish(hubLike, 'homeassistant/sensor/echo_2/t/config', { dev: { ids: 'echo_2' }, origin: { name: 'fleetwire', sw: '0.1.0' }, stat_t: 'echo/2/t' }, true);
    await publish(hubLike, 'echo/2/t', '5');
    expect((await fetch(`${hub.httpUrl}/api/devices/echo_1`)).status).toBe(404);
    expect((await fetch(`${hub.httpUrl}/api/devices/echo_2`)).status).toBe(404);
    expect(await counted('ignored')).toBe(2);
  });

  it('refuses and counts configs that are not JSON, huge, name native topics or a native device; the hub goes on', async () => {
    const bad = await connect(hub.mqttUrl, 'bad-sender');
    const refusedBefore = await counted('refused');
    await publish(bad, 'homeassistant/sensor/bad1/x/config', '{not json');
    await publish(bad, 'homeassistant/sensor/bad2/x/config', { stat_t: 'bad2/x', name: 'x'.repeat(40_000) });
    await publish(bad, 'homeassistant/sensor/bad3/x/config', { stat_t: 'devices/victim/telemetry/temperature' });
    await publish(bad, 'homeassistant/sensor/bad4/x/config', '[1,2,3]');
    // A device that publishes natively is not discovery's to write into.
    await publish(bad, 'devices/native-ha/status', '{"online":true,"model":"own"}');
    await publish(bad, 'homeassistant/sensor/native-ha/x/config', { stat_t: 'elsewhere/x' });
    await waitFor(async () => ((await counted('refused')) === refusedBefore + 5 ? true : null), 10_000, 'five refusals');
    expect(rejectsOn('homeassistant/sensor/native-ha/x/config')[0]?.data).toMatchObject({ code: 'forbidden' });
    expect(await device('native-ha')).toMatchObject({ source: 'native', model: 'own' });
    expect(rejectsOn('homeassistant/sensor/bad1/x/config')[0]?.data).toMatchObject({ code: 'bad_json' });
    expect(rejectsOn('homeassistant/sensor/bad2/x/config')[0]?.data).toMatchObject({ code: 'too_large' });
    expect((rejectsOn('homeassistant/sensor/bad3/x/config')[0]?.data as { reason: string }).reason).toContain('is under devices/');
    for (const id of ['bad1', 'bad2', 'bad3', 'bad4']) expect((await fetch(`${hub.httpUrl}/api/devices/${id}`)).status).toBe(404);
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200);
  });
});

describe('Home Assistant discovery with a users file', () => {
  it('refuses a config naming a topic its sender may not publish on, takes one inside its own topics', async () => {
    const dir = tempDir();
    const usersFile = join(dir, 'users.json');
    await addUsers(usersFile, [{ name: 'sonoff_1', role: 'device', password: 'sonoff-pass', publish: ['homeassistant/#', '%u/#'] }]);
    const secured = await startHub({ usersFile });
    const plug = await connect(secured.mqttUrl, 'sonoff_1', { username: 'sonoff_1', password: 'sonoff-pass' });
    await publish(plug, 'homeassistant/sensor/sonoff_1/power/config', { stat_t: 'kitchen/other_device/power', unit_of_meas: 'W' });
    await publish(plug, 'homeassistant/sensor/sonoff_1/energy/config', { stat_t: 'sonoff_1/energy', unit_of_meas: 'kWh' });
    await publish(plug, 'sonoff_1/energy', '1.25');
    const metrics = await (await fetch(`${secured.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^fleetwire_ha_discovery_configs_total\{outcome="refused"\} 1$/m);
    expect(metrics).toMatch(/^fleetwire_ha_discovery_configs_total\{outcome="mapped"\} 1$/m);
    expect(metrics).toMatch(/^fleetwire_bridge_rejects_total\{code="forbidden"\} 1$/m);
  });
});

describe('inbound and outbound discovery on one hub', () => {
  it('neither the hub nor a fleetwire fleet is discovered from the configs fleetwire publishes', async () => {
    const both = await startHub({ haDiscovery: true, haInbound: true, fleet: 2, fleetIntervalMs: 200 });
    await both.fleet?.ready();
    // What `fleetwire fleet --ha-discovery` (or another hub) publishes over MQTT, built by the shared builder.
    const fleetDevice = await connect(both.mqttUrl, 'sim-7');
    const config = discoveryConfig({ id: 'sim-7', model: 'thermo-1', fw: '1.0.0', sensors: [{ metric: 'temperature', form: 'json' }], light: true, ports: [], status: true }, '0.1.0');
    await publish(fleetDevice, haTopics.discovery('sim-7'), config, true);
    const metrics = async (): Promise<string> => (await fetch(`${both.httpUrl}/metrics`)).text();
    await waitFor(async () => (/^fleetwire_ha_discovery_configs_total\{outcome="ignored"\} 1$/m.test(await metrics()) ? true : null), 10_000, 'its config ignored');
    expect((await fetch(`${both.httpUrl}/api/devices/sim-7`)).status).toBe(404);
    const listed = (await (await fetch(`${both.httpUrl}/api/devices`)).json()) as { devices: DeviceView[] };
    expect(listed.devices.map((d) => d.source)).toEqual(['native', 'native']);
    expect(await metrics()).not.toMatch(/^fleetwire_ha_discovery_configs_total\{outcome="(mapped|refused)"\}/m);
  });
});
