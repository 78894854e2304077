/**
 * A mapping rule as the mapper runs it: a foreign topic (Tasmota, Shelly, Zigbee2MQTT, ESPHome,
 * a Home Assistant discovery state topic) and what its payload means in the contract's terms.
 * rule-parse.ts builds rules from files and presets; ha-discovery.ts builds them from configs.
 */
import type { Json } from '../../protocol/message.js';
import type { JsonPath } from './json-path.js';
import type { TopicPattern } from './topic-pattern.js';

/** What a value becomes on its way to a reading: HA's `| float`, `| int`, `| round(n)`. A `states` reading (HA binary_sensor) is 1 or 0 instead. */
export type ValueFilter = { kind: 'float' } | { kind: 'int' } | { kind: 'round'; digits: number };

export interface ValueSource {
  path: JsonPath;
  filters: readonly ValueFilter[];
}

/** A payload value that means one of two states (online/offline, on/off). */
export interface TwoStates {
  source: ValueSource;
  yes: readonly Json[];
  no: readonly Json[];
}

export interface MappingRule {
  /** Shown in rejects and problems: `tasmota/sensor`, `rules.yaml/plug`. */
  name: string;
  /** Where the device came from, kept in the registry: a preset name, a file's source, `ha-discovery`. */
  source: string;
  topic: TopicPattern;
  /** The device, when the rule is for one (HA discovery: its state topic names no id); else the topic's {id}. */
  device?: string;
  /** The rule applies only to payloads with one of `values` at the path (Shelly's `events/rpc` carries several methods); others are not its business. */
  when: { source: ValueSource; values: readonly Json[] } | null;
  /** Metric (or `{metric}`: the topic's level) → value; `numbers`: every top-level number of an object payload. */
  readings: { metric: string; value: ValueSource; states?: { yes: readonly Json[]; no: readonly Json[] } }[] | 'numbers' | null;
  /** Metric → unit, carried to the registry as it is. */
  units: Readonly<Record<string, string>>;
  status: TwoStates | null;
  info: { model: JsonPath | null; fw: JsonPath | null } | null;
  /** An event of `type` whose `value` is the payload's value at the path, when it has one. */
  event: { type: string; value: ValueSource } | null;
  /** `yes` is the LED (or relay, light) on, `no` off. */
  led: TwoStates | null;
}

/** The `{metric}` key: the reading is named by the topic. */
export const TOPIC_METRIC = '{metric}';
