/**
 * Plays Home Assistant's side of MQTT discovery over a real connection, with HA's client options
 * (MQTT 5, Clean Start, last will `offline` on homeassistant/status): it subscribes to the
 * discovery prefix and to whatever topics the configs name, records every message, checks each
 * config against the rules HA's own schemas enforce (homeassistant/components/mqtt: schemas.py
 * DEVICE_DISCOVERY_SCHEMA, the sensor, light JSON schema, binary_sensor and device trigger
 * platforms) and sends light commands as HA's JSON-schema light does.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { waitFor } from './wait.js';

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Config = { [key: string]: Json };

export interface HomeAssistantPlayer {
  readonly received: Received[];
  /** Every config received for `device`, oldest first (an empty payload is a removal: `null`). */
  configs(device: string): Array<Config | null>;
  /** The newest config of `device` for which `check` holds, waiting for it. */
  config(device: string, check: (c: Config) => boolean, what: string): Promise<Config>;
  /** Messages on `topic` parsed as JSON. */
  json(topic: string): Json[];
  /** HA's birth: `online` on homeassistant/status. */
  birth(): Promise<void>;
  /** Publishes to a light's command topic, as HA does (QoS of the config, not retained). */
  command(topic: string, payload: Json): Promise<void>;
  subscribe(filter: string): Promise<void>;
  close(): Promise<void>;
}

const STATUS = 'homeassistant/status';
const SENSOR_CLASSES: Record<string, string> = { temperature: '°C', voltage: 'V', current: 'A', power: 'W' };
const ENTITY_PLATFORMS = new Set(['sensor', 'light', 'binary_sensor']);

export async function connectHomeAssistant(url: string): Promise<HomeAssistantPlayer> {
  const client: MqttClient = await mqtt.connectAsync(url, {
    protocolVersion: 5,
    clientId: `ha-${Math.random().toString(36).slice(2, 10)}`,
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
    will: { topic: STATUS, payload: Buffer.from('offline'), qos: 0, retain: false },
  });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, text: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync('homeassistant/#', { qos: 1 });
  const parse = (text: string): Json => JSON.parse(text) as Json;
  const configs = (device: string): Array<Config | null> =>
    received.filter((m) => m.topic === `homeassistant/device/${device}/config`).map((m) => (m.text === '' ? null : (parse(m.text) as Config)));
  return {
    received,
    configs,
    config: (device, check, what) => waitFor(() => configs(device).filter((c): c is Config => c !== null && check(c)).at(-1), 20_000, what),
    json: (topic) => received.filter((m) => m.topic === topic).map((m) => parse(m.text)),
    birth: async () => void (await client.publishAsync(STATUS, 'online', { qos: 0 })),
    command: async (topic, payload) => void (await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 })),
    subscribe: async (filter) => void (await client.subscribeAsync(filter, { qos: 1 })),
    close: () => client.endAsync(true),
  };
}

const components = (c: Config): Record<string, Config> => c.components as Record<string, Config>;

/** The components of `c` whose platform is `platform`, by component id. */
export function componentsOf(c: Config, platform: string): Record<string, Config> {
  return Object.fromEntries(Object.entries(components(c)).filter(([, v]) => v.platform === platform));
}

/** Fails unless `c` is a device-based discovery config HA would take, with fleetwire's origin (and availability, unless `availability` is false). */
export function expectValidConfig(c: Config, device: string, availability = true): void {
  expect(c.device).toMatchObject({ identifiers: [`fleetwire_${device}`], name: device });
  expect(c.origin).toMatchObject({ name: 'fleetwire' });
  if (availability) {
    expect(c.availability).toEqual([
      { topic: `devices/${device}/status`, value_template: "{{ 'online' if value_json.online else 'offline' }}", payload_available: 'online', payload_not_available: 'offline' },
    ]);
  } else expect(c).not.toHaveProperty('availability');
  const all = components(c);
  expect(Object.keys(all).length).toBeGreaterThan(0);
  const uniqueIds = new Set<string>();
  for (const [id, comp] of Object.entries(all)) {
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(['sensor', 'light', 'binary_sensor', 'device_automation']).toContain(comp.platform);
    if (ENTITY_PLATFORMS.has(comp.platform as string)) {
      expect(typeof comp.unique_id).toBe('string');
      expect(uniqueIds.has(comp.unique_id as string)).toBe(false);
      uniqueIds.add(comp.unique_id as string);
    }
    if (comp.platform === 'sensor') {
      expect(comp).toMatchObject({ device_class: id, unit_of_measurement: SENSOR_CLASSES[id], state_class: 'measurement' });
      expect([`devices/${device}/telemetry`, `devices/${device}/telemetry/${id}`]).toContain(comp.state_topic);
      if (comp.state_topic === `devices/${device}/telemetry`) expect(comp.value_template).toBe(`{{ value_json.${id} | default('') }}`);
    }
    if (comp.platform === 'light') {
      expect(comp).toMatchObject({ schema: 'json', command_topic: `fleetwire/ha/${device}/light/set`, state_topic: `fleetwire/ha/${device}/light/state`, supported_color_modes: ['rgb'], effect: true, effect_list: ['blink'] });
    }
    if (comp.platform === 'binary_sensor') expect(comp).toMatchObject({ device_class: 'plug', state_topic: `devices/${device}/status`, value_template: expect.stringContaining('value_json.ports') });
    if (comp.platform === 'device_automation') {
      expect(comp).toMatchObject({ automation_type: 'trigger', topic: `devices/${device}/events`, subtype: expect.stringMatching(/^port_\d+$/) });
      expect(['attached', 'detached']).toContain(comp.type);
      expect(comp.payload).toBe(comp.type);
    }
  }
}
