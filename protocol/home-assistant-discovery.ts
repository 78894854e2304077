/**
 * Home Assistant MQTT discovery for a fleetwire device: one retained device-based config on
 * `homeassistant/device/<id>/config` (HA 2024.11+: `device`, `origin`, `components`, each
 * component with its `platform`). The hub (bridge/home-assistant) and the simulated fleet
 * (devices/home-assistant.ts) both build it here, so what HA sees does not depend on who speaks.
 *
 * HA reads the contract's own topics (devices/{id}/telemetry, status, events) through
 * value_templates; only the light needs topics of its own, since a JSON-schema light has no
 * templates: commands on `fleetwire/ha/<id>/light/set`, its state on `fleetwire/ha/<id>/light/state`.
 * Full option names throughout (HA accepts them besides the abbreviations, and they read better).
 */
import type { Json } from './message.js';
import { topics } from './names.js';

export const HA_DISCOVERY_PREFIX = 'homeassistant';
/** HA's birth and last will, `online` / `offline` (HA MQTT docs, "Birth and last will messages"). */
export const HA_STATUS_TOPIC = `${HA_DISCOVERY_PREFIX}/status`;
/** The origin every fleetwire config carries; inbound discovery ignores configs with this name so the hub never discovers itself. */
export const HA_ORIGIN_NAME = 'fleetwire';

export const haTopics = {
  /** `<discovery_prefix>/device/<object_id>/config`; a device id fits HA's `[a-zA-Z0-9_-]+`. */
  discovery: (device: string) => `${HA_DISCOVERY_PREFIX}/device/${device}/config`,
  lightSet: (device: string) => `fleetwire/ha/${device}/light/set`,
  lightState: (device: string) => `fleetwire/ha/${device}/light/state`,
  lightSetFilter: 'fleetwire/ha/+/light/set',
} as const;

/** The device a `fleetwire/ha/<id>/light/set` topic is for, or null. */
export function lightSetDevice(topic: string): string | null {
  if (!topic.startsWith('fleetwire/ha/')) return null; // the broker's every publish passes here
  const levels = topic.split('/');
  return levels.length === 5 && levels[0] === 'fleetwire' && levels[1] === 'ha' && levels[3] === 'light' && levels[4] === 'set' ? (levels[2] as string) : null;
}

/** The readings HA gets as sensors, with HA's device class and unit (HA sensor device classes). */
export const HA_SENSORS = {
  temperature: { device_class: 'temperature', unit_of_measurement: '°C' },
  voltage: { device_class: 'voltage', unit_of_measurement: 'V' },
  current: { device_class: 'current', unit_of_measurement: 'A' },
  power: { device_class: 'power', unit_of_measurement: 'W' },
} as const;
export type HaSensorMetric = keyof typeof HA_SENSORS;
export const isHaSensorMetric = (metric: string): metric is HaSensorMetric => Object.hasOwn(HA_SENSORS, metric);

export interface HaSensor {
  metric: HaSensorMetric;
  /** `json`: the metric rides in `devices/{id}/telemetry`; `single`: on `devices/{id}/telemetry/{metric}` as text. */
  form: 'json' | 'single';
}

/** What a device has, as far as HA is concerned. */
export interface HaDevice {
  id: string;
  model: string | null;
  fw: string | null;
  sensors: HaSensor[];
  /** It has an RGB LED obeying `cmd/led`. */
  light: boolean;
  /** Its hot-plug ports, by name (`"1"`, `"2"`, …). */
  ports: string[];
  /** It publishes a status: HA takes availability from it (without one HA would show it unavailable for ever). */
  status: boolean;
}

type Config = { [key: string]: Json };

const PORT_NAME = /^\d{1,4}$/;

/** Topic of the hot-plug port map and of availability: the retained status. */
const availability = (id: string): Config[] => [
  { topic: topics.status(id), value_template: "{{ 'online' if value_json.online else 'offline' }}", payload_available: 'online', payload_not_available: 'offline' },
];

function sensor(id: string, s: HaSensor): Config {
  const { metric } = s;
  return {
    platform: 'sensor',
    unique_id: `fleetwire_${id}_${metric}`,
    name: metric[0]?.toUpperCase() + metric.slice(1),
    ...HA_SENSORS[metric],
    state_class: 'measurement',
    // A telemetry object without this metric renders empty, which HA's sensor ignores.
    ...(s.form === 'json'
      ? { state_topic: topics.telemetry(id), value_template: `{{ value_json.${metric} | default('') }}` }
      : { state_topic: topics.metric(id, metric) }),
  };
}

function light(id: string): Config {
  return {
    platform: 'light',
    unique_id: `fleetwire_${id}_led`,
    name: 'LED',
    schema: 'json',
    command_topic: haTopics.lightSet(id),
    state_topic: haTopics.lightState(id),
    supported_color_modes: ['rgb'],
    effect: true,
    effect_list: ['blink'],
    qos: 1,
  };
}

/** A plug binary sensor per port, from the status' port map; a status without one (the last will) renders empty and is ignored. */
function plug(id: string, port: string): Config {
  return {
    platform: 'binary_sensor',
    unique_id: `fleetwire_${id}_port_${port}`,
    name: `Port ${port}`,
    device_class: 'plug',
    state_topic: topics.status(id),
    value_template: `{% if value_json.ports is defined %}{{ 'ON' if value_json.ports['${port}'] else 'OFF' }}{% endif %}`,
  };
}

/** A device trigger per port and action, fired by the matching `hotplug` event (payload compared after the template). */
function hotplugTrigger(id: string, port: string, action: 'attached' | 'detached'): Config {
  return {
    platform: 'device_automation',
    automation_type: 'trigger',
    type: action,
    subtype: `port_${port}`,
    topic: topics.events(id),
    value_template: `{{ value_json.action if value_json.type == 'hotplug' and value_json.port == ${Number(port)} else '' }}`,
    payload: action,
  };
}

/** The device-based discovery config of `device`; `sw` is the publishing software's version, when it knows it. */
export function discoveryConfig(device: HaDevice, sw?: string): Config {
  const { id } = device;
  const components: Config = {};
  for (const s of device.sensors) components[s.metric] = sensor(id, s);
  if (device.light) components.led = light(id);
  // Port names go into templates: only the port map's digits (protocol/device-view.ts) are taken.
  for (const port of device.ports.filter((p) => PORT_NAME.test(p))) {
    components[`port_${port}`] = plug(id, port);
    components[`port_${port}_attached`] = hotplugTrigger(id, port, 'attached');
    components[`port_${port}_detached`] = hotplugTrigger(id, port, 'detached');
  }
  return {
    device: {
      identifiers: [`fleetwire_${id}`],
      name: id,
      manufacturer: 'fleetwire',
      ...(device.model ? { model: device.model } : {}),
      ...(device.fw ? { sw_version: device.fw } : {}),
    },
    origin: { name: HA_ORIGIN_NAME, ...(sw ? { sw_version: sw } : {}) },
    ...(device.status ? { availability: availability(id) } : {}),
    components,
  };
}
