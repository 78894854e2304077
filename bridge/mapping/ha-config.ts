/**
 * Home Assistant MQTT discovery configs (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery)
 * read as mapping rules: `homeassistant/<component>/[<node_id>/]<object_id>/config` for one
 * entity and `homeassistant/device/<id>/config` with its `components` (`cmps`). sensor,
 * binary_sensor and light state topics become readings and the LED; availability becomes
 * online/offline. Abbreviated keys (`stat_t`, `val_tpl`, `dev`, `~`, …) are understood.
 * Pure: the caller checks the topics against the sender's rights and keeps the rules.
 */
import type { Json } from '../../protocol/message.js';
import { HA_DISCOVERY_SOURCE } from '../../protocol/device-view.js';
import { HA_DISCOVERY_PREFIX, HA_ORIGIN_NAME } from '../../protocol/home-assistant-discovery.js';
import { DEVICES_ROOT, isDeviceId } from '../../protocol/names.js';
import { WHOLE_PAYLOAD, keyPath } from './json-path.js';
import { parseValueTemplate } from './ha-template.js';
import type { MappingRule, TwoStates, ValueSource } from './rule.js';
import { literalPattern } from './topic-pattern.js';

/** Most components one device config may list. */
export const MAX_COMPONENTS = 64;
const MAX_TOPIC = 256;

type Obj = { [key: string]: Json };
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
/** Full key → its abbreviation, for the keys read here (HA's ABBREVIATIONS and DEVICE_ABBREVIATIONS). */
const ABBREVIATIONS: Record<string, string> = {
  state_topic: 'stat_t',
  value_template: 'val_tpl',
  unit_of_measurement: 'unit_of_meas',
  availability_topic: 'avty_t',
  availability: 'avty',
  payload_available: 'pl_avail',
  payload_not_available: 'pl_not_avail',
  payload_on: 'pl_on',
  payload_off: 'pl_off',
  state_value_template: 'stat_val_tpl',
  object_id: 'obj_id',
  unique_id: 'uniq_id',
  platform: 'p',
  device: 'dev',
  origin: 'o',
  components: 'cmps',
  identifiers: 'ids',
  model: 'mdl',
  sw_version: 'sw',
  topic: 't',
};
const get = (obj: Obj, key: string): Json | undefined => obj[key] ?? obj[ABBREVIATIONS[key] ?? key];
const text = (x: Json | undefined): string | null => (typeof x === 'string' && x.length > 0 ? x : null);
const scalar = (x: Json | undefined, fallback: Json): Json => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? x : fallback);

/** The parts of a discovery topic, or null when it is none. */
export function discoveryTopic(topic: string): { component: string; node: string | null; object: string } | null {
  if (!topic.startsWith(`${HA_DISCOVERY_PREFIX}/`)) return null;
  const levels = topic.split('/');
  if (levels[levels.length - 1] !== 'config' || levels.length < 4 || levels.length > 5) return null;
  const component = levels[1] as string;
  if (component === 'device' && levels.length !== 4) return null;
  return { component, node: levels.length === 5 ? (levels[2] as string) : null, object: levels[levels.length - 2] as string };
}

export interface DiscoveredDevice {
  device: string;
  rules: MappingRule[];
  model: string | null;
  fw: string | null;
  units: Record<string, string>;
  /** By component: why it was skipped, or null when it was mapped (clearing an earlier problem). */
  problems: [key: string, problem: string | null][];
  /** Every topic the rules listen on, for the sender's rights. */
  topics: string[];
}

export type Discovery = { kind: 'config'; value: DiscoveredDevice } | { kind: 'ignored'; reason: string } | { kind: 'refused'; reason: string };

/** A device id from an identifier such as a MAC `a0:b1:c2:…`: other characters become `_`. */
function deviceIdOf(raw: string): string | null {
  const id = raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return isDeviceId(id) ? id : null;
}
/** A metric name from an object id such as `soil_moisture` or `0x00158d_temperature`. */
function metricOf(raw: string): string {
  const name = raw.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return (/^[a-z]/.test(name) ? name : `m_${name}`).slice(0, 32);
}

/** Why `topic` cannot be a state or availability topic, or null. */
function topicProblem(topic: string): string | null {
  if (topic.length === 0 || topic.length > MAX_TOPIC || /[+#]/.test(topic) || topic.includes('\u0000') || topic.startsWith('$')) return `"${topic.slice(0, 60)}" is not a topic name`;
  const first = topic.split('/', 1)[0];
  if (first === DEVICES_ROOT || first === HA_DISCOVERY_PREFIX) return `"${topic.slice(0, 60)}" is under ${first}/, which discovery may not map`;
  return null;
}

/** `~` at the start or end of a topic is the config's base topic (HA "Using abbreviations and base topic"). */
const expand = (topic: string, base: string | null): string => (base === null ? topic : topic.startsWith('~') ? base + topic.slice(1) : topic.endsWith('~') ? topic.slice(0, -1) + base : topic);

const valueOf = (template: Json | undefined): ValueSource | string => (text(template) === null ? { path: WHOLE_PAYLOAD, filters: [] } : parseValueTemplate(template as string));

interface Component {
  platform: string;
  object: string;
  config: Obj;
}

function componentsOf(where: NonNullable<ReturnType<typeof discoveryTopic>>, config: Obj): Component[] | string {
  if (where.component !== 'device') return [{ platform: where.component, object: text(get(config, 'object_id')) ?? where.object, config }];
  const cmps = get(config, 'components');
  if (!isObj(cmps)) return 'a device config needs "components" (cmps)';
  const entries = Object.entries(cmps);
  if (entries.length > MAX_COMPONENTS) return `more than ${MAX_COMPONENTS} components`;
  // Options at the top of a device config are shared by its components (HA device discovery).
  const shared: Obj = Object.fromEntries(Object.entries(config).filter(([k]) => !['dev', 'device', 'o', 'origin', 'cmps', 'components'].includes(k)));
  return entries.filter((e): e is [string, Obj] => isObj(e[1])).map(([object, c]) => ({ platform: text(get(c, 'platform')) ?? '', object: text(get(c, 'object_id')) ?? object, config: { ...shared, ...c } }));
}

function availabilityRules(config: Obj, base: string | null): { topic: string; status: TwoStates }[] | string {
  const list = get(config, 'availability');
  const entries: Obj[] = Array.isArray(list) ? list.filter(isObj).slice(0, 8) : [];
  const single = text(get(config, 'availability_topic'));
  if (single !== null) entries.push({ topic: single, payload_available: scalar(get(config, 'payload_available'), 'online'), payload_not_available: scalar(get(config, 'payload_not_available'), 'offline') });
  const rules: { topic: string; status: TwoStates }[] = [];
  for (const e of entries) {
    const topic = text(get(e, 'topic'));
    if (topic === null) continue;
    const source = valueOf(get(e, 'value_template'));
    if (typeof source === 'string') return `availability: ${source}`;
    rules.push({ topic: expand(topic, base), status: { source, yes: [scalar(get(e, 'payload_available'), 'online')], no: [scalar(get(e, 'payload_not_available'), 'offline')] } });
  }
  return rules;
}

/** Reads one discovery config (a JSON object) published on `topic`. */
export function readDiscovery(topic: string, config: Json): Discovery {
  const where = discoveryTopic(topic);
  if (!where) return { kind: 'refused', reason: 'not a discovery topic' };
  if (!isObj(config)) return { kind: 'refused', reason: 'a discovery config must be a JSON object' };
  const origin = get(config, 'origin');
  // The hub announces its own native devices (outbound discovery): never discover them again.
  if (isObj(origin) && text(origin.name) === HA_ORIGIN_NAME) return { kind: 'ignored', reason: 'published by fleetwire itself' };
  const dev = isObj(get(config, 'device')) ? (get(config, 'device') as Obj) : {};
  const ids = get(dev, 'identifiers');
  const firstId = text(Array.isArray(ids) ? ids[0] : ids);
  const rawId = where.component === 'device' ? where.object : (where.node ?? firstId ?? where.object);
  const device = deviceIdOf(rawId);
  if (device === null) return { kind: 'refused', reason: `no device id can be made of "${rawId.slice(0, 64)}"` };
  const components = componentsOf(where, config);
  if (typeof components === 'string') return { kind: 'refused', reason: components };
  const found: DiscoveredDevice = { device, rules: [], model: text(get(dev, 'model'))?.slice(0, 128) ?? null, fw: text(get(dev, 'sw_version'))?.slice(0, 128) ?? null, units: {}, problems: [], topics: [] };
  const base = text(config['~']);
  const name = text(get(dev, 'name'));
  const prefix = name === null ? null : `${name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_`;
  const rule = (name: string, stateTopic: string, parts: Partial<MappingRule>): void => {
    found.rules.push({ name, source: HA_DISCOVERY_SOURCE, topic: literalPattern(stateTopic), device, when: null, readings: null, units: {}, status: null, info: null, event: null, led: null, ...parts });
    found.topics.push(stateTopic);
  };
  for (const { platform, object, config: c } of components) {
    const key = `ha/${device}/${object}`.slice(0, 120);
    const cbase = text(c['~']) ?? base;
    const stateTopic = text(get(c, 'state_topic'));
    const availability = availabilityRules(c, cbase);
    if (typeof availability === 'string') found.problems.push([`${key}/availability`, availability]);
    else for (const a of availability) if (!found.topics.includes(a.topic)) rule(`${key}/availability`, a.topic, { status: a.status });
    if (!['sensor', 'binary_sensor', 'light'].includes(platform) || stateTopic === null) continue;
    const state = expand(stateTopic, cbase);
    // Zigbee2MQTT's object ids start with the device's name (`bedroom_sensor_temperature`): the metric is the rest.
    const metric = metricOf(prefix !== null && object.toLowerCase().startsWith(prefix) && object.length > prefix.length ? object.slice(prefix.length) : object);
    const template = platform === 'light' ? get(c, 'state_value_template') : get(c, 'value_template');
    const value = valueOf(template);
    if (typeof value === 'string') {
      found.problems.push([key, `${platform} ${object}: ${value}; skipped`]);
      continue;
    }
    found.problems.push([key, null]);
    const on = scalar(get(c, 'payload_on'), 'ON');
    const off = scalar(get(c, 'payload_off'), 'OFF');
    if (platform === 'sensor') {
      rule(key, state, { readings: [{ metric, value }] });
      const unit = text(get(c, 'unit_of_measurement'));
      if (unit !== null) found.units[metric] = unit.slice(0, 32);
    } else if (platform === 'binary_sensor') {
      rule(key, state, { readings: [{ metric, value, states: { yes: [on], no: [off] } }] });
    } else if (text(get(c, 'schema')) === 'json') {
      rule(key, state, { led: { source: { path: keyPath('state'), filters: [] }, yes: ['ON'], no: ['OFF'] } });
    } else if (text(get(c, 'schema')) === 'template') {
      found.problems[found.problems.length - 1] = [key, `light ${object}: the template schema is not supported; skipped`];
    } else {
      rule(key, state, { led: { source: value, yes: [on], no: [off] } });
    }
  }
  const bad = found.topics.map(topicProblem).find((p) => p !== null);
  return bad ? { kind: 'refused', reason: bad } : { kind: 'config', value: found };
}
