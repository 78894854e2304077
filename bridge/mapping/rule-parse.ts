/**
 * Mapping rules from a file or a preset, checked once at start-up. A rule set is
 * `{source?, rules: [...]}`; each rule names its topic pattern and any of `readings`, `units`,
 * `status`, `info`, `event` and `led` (README "Connect a real device"). The first problem is
 * returned as one line naming the rule and what is wrong.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { Json } from '../../protocol/message.js';
import { isMetricName, METRIC_PATTERN } from '../../protocol/names.js';
import { type JsonPath, parseJsonPath } from './json-path.js';
import { type MappingRule, TOPIC_METRIC, type TwoStates, type ValueSource } from './rule.js';
import { parseTopicPattern } from './topic-pattern.js';

/** Most rules one set may hold. */
export const MAX_RULES = 500;
const MAX_TEXT = 64;
const RULE_KEYS = new Set(['name', 'topic', 'when', 'readings', 'units', 'status', 'info', 'event', 'led']);
const NAME_PATTERN = /^[A-Za-z0-9][\w.-]{0,63}$/;

type Raw = Record<string, unknown>;
const isRaw = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);
const isPrimitive = (x: unknown): x is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof x);

/** Thrown inside one rule's checks; caught once and turned into the set's error line. */
class RuleProblem extends Error {}
const problem = (message: string): never => {
  throw new RuleProblem(message);
};

function object(value: unknown, field: string, keys: readonly string[]): Raw {
  if (!isRaw(value)) problem(`${field} must be a mapping`);
  const raw = value as Raw;
  const unknown = Object.keys(raw).find((k) => !keys.includes(k));
  if (unknown !== undefined) problem(`${field} has unknown key "${unknown.slice(0, 40)}" (it takes ${keys.join(', ')})`);
  return raw;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) problem(`${field} must be text of 1 to ${MAX_TEXT} characters`);
  return value as string;
}

function path(value: unknown, field: string): JsonPath {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((p) => typeof p === 'string')) problem(`${field} must be a JSON path such as ENERGY.Voltage, or a list of them`);
  const parsed = parseJsonPath(list as string[]);
  return typeof parsed === 'string' ? problem(`${field}: ${parsed}`) : parsed;
}

const source = (value: unknown, field: string): ValueSource => ({ path: value === undefined ? path('$', field) : path(value, field), filters: [] });

function states(value: unknown, field: string): Json[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.length > 8 || !list.every(isPrimitive)) problem(`${field} must be a value or a list of 1 to 8 values (text, number, true/false)`);
  return list as Json[];
}

function twoStates(value: unknown, field: string, yes: string, no: string): TwoStates {
  const raw = object(value, field, ['path', yes, no]);
  return { source: source(raw.path, `${field}.path`), yes: states(raw[yes], `${field}.${yes}`), no: states(raw[no], `${field}.${no}`) };
}

function readings(value: unknown, topicHasMetric: boolean): MappingRule['readings'] {
  if (value === 'numbers') return 'numbers';
  if (!isRaw(value) || Object.keys(value).length === 0) return problem('readings must be "numbers" or a mapping of metric → JSON path');
  return Object.entries(value).map(([metric, at]) => {
    if (metric === TOPIC_METRIC) {
      if (!topicHasMetric) problem('readings names {metric} but the topic has no {metric} level');
    } else if (!isMetricName(metric)) problem(`readings: metric "${metric.slice(0, 40)}" must match ${METRIC_PATTERN.source}`);
    return { metric, value: source(at, `readings.${metric}`) };
  });
}

function units(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRaw(value)) return problem('units must be a mapping of metric → unit');
  for (const [metric, unit] of Object.entries(value)) {
    if (!isMetricName(metric)) problem(`units: metric "${metric.slice(0, 40)}" must match ${METRIC_PATTERN.source}`);
    text(unit, `units.${metric}`);
  }
  return value as Record<string, string>;
}

function rule(raw: unknown, setSource: string): MappingRule {
  const r = object(raw, 'the rule', [...RULE_KEYS]);
  const name = text(r.name, 'name');
  if (!NAME_PATTERN.test(name)) problem(`name must match ${NAME_PATTERN.source}`);
  if (typeof r.topic !== 'string') problem('topic must be a topic pattern such as tele/{id}/SENSOR');
  const topic = parseTopicPattern(r.topic as string);
  if (typeof topic === 'string') return problem(`topic: ${topic}`);
  const parsed: MappingRule = {
    name: `${setSource}/${name}`,
    source: setSource,
    topic,
    when: null,
    readings: r.readings === undefined ? null : readings(r.readings, topic.levels.includes(TOPIC_METRIC)),
    units: units(r.units),
    status: r.status === undefined ? null : twoStates(r.status, 'status', 'online', 'offline'),
    info: null,
    event: null,
    led: r.led === undefined ? null : twoStates(r.led, 'led', 'on', 'off'),
  };
  if (r.when !== undefined) {
    const when = object(r.when, 'when', ['path', 'is']);
    parsed.when = { source: source(when.path, 'when.path'), values: states(when.is, 'when.is') };
  }
  if (r.info !== undefined) {
    const info = object(r.info, 'info', ['model', 'fw']);
    parsed.info = { model: info.model === undefined ? null : path(info.model, 'info.model'), fw: info.fw === undefined ? null : path(info.fw, 'info.fw') };
  }
  if (r.event !== undefined) {
    const event = object(r.event, 'event', ['type', 'path']);
    parsed.event = { type: text(event.type, 'event.type'), value: source(event.path, 'event.path') };
  }
  if (!parsed.readings && !parsed.status && !parsed.info && !parsed.event && !parsed.led) problem('the rule maps nothing: give readings, status, info, event or led');
  return parsed;
}

/**
 * Parses a rule set read from `where` (a file name or `preset tasmota`). `defaultSource` names
 * the devices' source when the set does not.
 */
export function parseRuleSet(raw: unknown, where: string, defaultSource: string): Result<MappingRule[]> {
  const set = Array.isArray(raw) ? { rules: raw } : raw;
  if (!isRaw(set) || !Array.isArray(set.rules)) return fail('bad_request', `${where}: a rule set is {"rules": [...]} (optionally with "source")`);
  const extra = Object.keys(set).find((k) => k !== 'rules' && k !== 'source');
  if (extra !== undefined) return fail('bad_request', `${where}: unknown key "${extra.slice(0, 40)}" (a rule set has source and rules)`);
  if (set.source !== undefined && (typeof set.source !== 'string' || !NAME_PATTERN.test(set.source))) return fail('bad_request', `${where}: source must match ${NAME_PATTERN.source}`);
  if (set.rules.length > MAX_RULES) return fail('too_large', `${where}: more than ${MAX_RULES} rules`);
  const setSource = (set.source as string | undefined) ?? defaultSource;
  const rules: MappingRule[] = [];
  const names = new Set<string>();
  for (const [i, raw] of (set.rules as unknown[]).entries()) {
    const label = isRaw(raw) && typeof raw.name === 'string' ? `"${raw.name.slice(0, MAX_TEXT)}"` : `#${i + 1}`;
    try {
      const parsed = rule(raw, setSource);
      if (names.has(parsed.name)) problem('another rule has this name');
      names.add(parsed.name);
      rules.push(parsed);
    } catch (err) {
      if (!(err instanceof RuleProblem)) throw err;
      return fail('bad_request', `${where}: rule ${label}: ${err.message}`);
    }
  }
  return ok(rules);
}
