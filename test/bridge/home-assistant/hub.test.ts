/**
 * `--ha-discovery` on a real hub with its real simulated fleet, Home Assistant played over MQTT 5:
 * it reads the retained device configs, sees them again after its birth, switches the LED with
 * HA's JSON light commands (which go through the hub's command tracker to the device and its
 * ack), sees the LED change in /api/devices and its state come back on the light's state topic,
 * and sees a dropped device go unavailable.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, type HomeAssistantPlayer, componentsOf, connectHomeAssistant, expectValidConfig } from '../../support/home-assistant.js';
import { type TestHub, startHub, stopAll, waitFor } from '../../support/hub.js';

let hub: TestHub;
let ha: HomeAssistantPlayer;

beforeAll(async () => {
  // Ten devices of the default mix: thermo-1…4, power-1…3, led-1, hub-1, edge-1.
  hub = await startHub({ haDiscovery: true, fleet: 10, fleetIntervalMs: 100 });
  await hub.fleet?.ready();
  ha = await connectHomeAssistant(hub.mqttUrl);
}, 30_000);
afterAll(async () => {
  await ha?.close();
  await stopAll();
});

const api = async <T>(path: string): Promise<T> => (await fetch(`${hub.httpUrl}${path}`)).json() as Promise<T>;
const led = async (device: string): Promise<unknown> => (await api<{ led: unknown }>(`/api/devices/${device}`)).led;
const names = (c: Config, platform: string): string[] => Object.keys(componentsOf(c, platform)).sort();

describe('Home Assistant discovery from the hub', () => {
  it('publishes a retained device config per device, with the sensors, light and ports it has', async () => {
    const edge = await ha.config('edge-1', (c) => names(c, 'sensor').length === 4 && names(c, 'binary_sensor').length === 4, 'the full config of edge-1');
    expectValidConfig(edge, 'edge-1');
    expect(edge.device).toMatchObject({ model: 'edge-1', sw_version: '1.0.0', manufacturer: 'fleetwire' });
    expect(names(edge, 'sensor')).toEqual(['current', 'power', 'temperature', 'voltage']);
    expect(names(edge, 'light')).toEqual(['led']);
    expect(names(edge, 'binary_sensor')).toEqual(['port_1', 'port_2', 'port_3', 'port_4']);
    expect(names(edge, 'device_automation')).toHaveLength(8);
    expect(componentsOf(edge, 'device_automation').port_2_attached).toMatchObject({
      type: 'attached',
      subtype: 'port_2',
      payload: 'attached',
      value_template: "{{ value_json.action if value_json.type == 'hotplug' and value_json.port == 2 else '' }}",
    });

    const thermo = await ha.config('thermo-1', (c) => names(c, 'sensor').length === 1, 'the config of thermo-1');
    expectValidConfig(thermo, 'thermo-1');
    expect(Object.keys(thermo.components as object)).toEqual(['temperature']);
    const ledOnly = await ha.config('led-1', (c) => names(c, 'light').length === 1, 'the config of led-1');
    expect(names(ledOnly, 'sensor')).toEqual([]);
    // A late subscriber gets the configs retained, as HA does after a restart.
    const late = await connectHomeAssistant(hub.mqttUrl);
    try {
      const retained = await waitFor(() => late.received.find((m) => m.topic === 'homeassistant/device/edge-1/config' && m.retain), 10_000, 'the retained config');
      expect(JSON.parse(retained.text)).toEqual(ha.configs('edge-1').at(-1));
    } finally {
      await late.close();
    }
  });

  it('points a real device\'s sensors at the telemetry form it uses, and moves them when it changes', async () => {
    const porch = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'porch' });
    try {
      await porch.publishAsync('devices/porch/telemetry/temperature', '21.5', { qos: 1 });
      const single = await ha.config('porch', (c) => names(c, 'sensor').length === 1, 'the config of porch');
      // No status yet: no availability, or HA would show the device unavailable until one comes.
      expectValidConfig(single, 'porch', false);
      expect(componentsOf(single, 'sensor').temperature).toMatchObject({ state_topic: 'devices/porch/telemetry/temperature' });
      expect(componentsOf(single, 'sensor').temperature).not.toHaveProperty('value_template');
      // A reading HA has no sensor class for changes nothing; a known one in the JSON form moves it.
      const count = ha.configs('porch').length;
      await porch.publishAsync('devices/porch/telemetry', '{"humidity":40}', { qos: 1 });
      await porch.publishAsync('devices/porch/telemetry', '{"temperature":21.7,"voltage":5.1}', { qos: 1 });
      const json = await ha.config('porch', (c) => names(c, 'sensor').length === 2, 'the config of porch with JSON readings');
      expect(ha.configs('porch')).toHaveLength(count + 1);
      expect(componentsOf(json, 'sensor').temperature).toMatchObject({ state_topic: 'devices/porch/telemetry', value_template: "{{ value_json.temperature | default('') }}" });
      expect(names(json, 'sensor')).toEqual(['temperature', 'voltage']);
      await porch.publishAsync('devices/porch/status', '{"online":true}', { qos: 1, retain: true });
      expectValidConfig(await ha.config('porch', (c) => 'availability' in c, 'the config of porch with availability'), 'porch');
    } finally {
      await porch.endAsync();
    }
  });

  it('publishes every config again when Home Assistant announces itself', async () => {
    await ha.config('power-1', () => true, 'a config of power-1');
    const before = ha.configs('power-1').length;
    await ha.birth();
    await waitFor(() => ha.configs('power-1').length > before, 10_000, 'the config published again');
    expect(ha.configs('power-1').at(-1)).toEqual(ha.configs('power-1').at(-2));
  });

  it('turns HA light commands into tracked led commands and reports the LED state back', async () => {
    const config = await ha.config('led-1', (c) => names(c, 'light').length === 1, 'the light of led-1');
    const light = componentsOf(config, 'light').led as Config;
    const stateTopic = light.state_topic as string;
    await ha.subscribe(stateTopic);

    await ha.command(light.command_topic as string, { state: 'ON', color: { r: 255, g: 0, b: 0 } });
    await waitFor(async () => JSON.stringify(await led('led-1')) === JSON.stringify({ state: 'on', color: '#ff0000' }), 10_000, 'the LED on and red');
    await waitFor(() => ha.json(stateTopic).some((s) => JSON.stringify(s) === JSON.stringify({ state: 'ON', effect: null, color_mode: 'rgb', color: { r: 255, g: 0, b: 0 } })), 10_000, 'the light state ON, red');

    await ha.command(light.command_topic as string, { effect: 'blink' });
    await waitFor(async () => JSON.stringify(await led('led-1')) === JSON.stringify({ state: 'blink', color: '#ff0000' }), 10_000, 'the LED blinking');
    await waitFor(() => ha.json(stateTopic).some((s) => JSON.stringify(s) === JSON.stringify({ state: 'ON', effect: 'blink', color_mode: 'rgb', color: { r: 255, g: 0, b: 0 } })), 10_000, 'the light state blinking');

    // A command HA would never send is refused before it becomes a command; the next one works.
    await ha.command(light.command_topic as string, { state: 'MAYBE' });
    await ha.command(light.command_topic as string, { state: 'OFF' });
    await waitFor(() => ha.json(stateTopic).some((s) => (s as { state?: string }).state === 'OFF'), 10_000, 'the light state OFF');
    // The device publishes its LED before its ack: wait for the last ack to settle the command.
    const history = async (): Promise<unknown[][]> => (await api<{ commands: Array<{ name: string; args: unknown; status: string }> }>('/api/commands?device=led-1')).commands.map((c) => [c.name, c.args, c.status]).reverse();
    await waitFor(async () => (await history()).every((c) => c[2] !== 'pending'), 10_000, 'every command settled');
    expect(await history()).toEqual([
      ['led', { state: 'on', color: '#ff0000' }, 'acked'],
      ['led', { state: 'blink' }, 'acked'],
      ['led', { state: 'off' }, 'acked'],
    ]);
  });

  it('lets HA see a device go unavailable through the availability topic', async () => {
    const config = await ha.config('thermo-2', () => true, 'a config of thermo-2');
    const [availability] = config.availability as Config[];
    await ha.subscribe(availability?.topic as string);
    hub.fleet?.faults.apply('drop', 'thermo-2');
    await waitFor(() => ha.json(availability?.topic as string).some((s) => (s as { online?: boolean }).online === false), 10_000, 'thermo-2 offline');
    expect((await api<{ online: boolean }>('/api/devices/thermo-2')).online).toBe(false);
  });
});
