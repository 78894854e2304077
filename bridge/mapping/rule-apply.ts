/**
 * One rule applied to one payload: the contract meanings it finds (readings, online state,
 * model and firmware, an event, the LED state), or why the payload does not fit. Pure; never
 * throws, whatever the payload.
 */
import type { Json } from '../../protocol/message.js';
import { isMetricName } from '../../protocol/names.js';
import { type JsonPath, valueAt } from './json-path.js';
import { type MappingRule, TOPIC_METRIC, type TwoStates, type ValueFilter, type ValueSource } from './rule.js';
import type { TopicCaptures } from './topic-pattern.js';

/** What a payload means, in contract terms. Empty fields: the payload did not say. */
export interface Meanings {
  readings: Record<string, number>;
  online: boolean | null;
  model: string | null;
  fw: string | null;
  events: { type: string; value: string | number | boolean }[];
  led: 'on' | 'off' | null;
}

export const noMeanings = (): Meanings => ({ readings: {}, online: null, model: null, fw: null, events: [], led: null });

/** Adds what `from` says to `into`; a later rule's value wins. */
export function mergeMeanings(into: Meanings, from: Meanings): void {
  Object.assign(into.readings, from.readings);
  into.online = from.online ?? into.online;
  into.model = from.model ?? into.model;
  into.fw = from.fw ?? into.fw;
  into.led = from.led ?? into.led;
  into.events.push(...from.events);
}

/** `skipped`: the payload is not this rule's business (its `when` does not hold). */
export type RuleOutcome = { ok: true; skipped?: true } | { ok: false; reason: string };

/** Longest text kept from a payload (model, firmware, event value). */
const MAX_TEXT = 128;
const NUMBER_TEXT = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A value as a number: numbers, numeric text, true/false and ON/OFF (1/0); null otherwise. */
function numberOf(value: Json): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return null;
  if (NUMBER_TEXT.test(value)) return Number(value);
  const word = value.toLowerCase();
  return word === 'on' ? 1 : word === 'off' ? 0 : null;
}

function filtered(value: number, filters: readonly ValueFilter[]): number {
  let v = value;
  for (const f of filters) {
    if (f.kind === 'int') v = Math.trunc(v);
    else if (f.kind === 'round') v = Number(v.toFixed(f.digits));
  }
  return v;
}

const shown = (value: Json): string => JSON.stringify(value).slice(0, 60);
const same = (a: Json, b: Json): boolean => a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());

/** Reads `source` from `data`: undefined when absent, else the number or why it is not one. */
function reading(data: Json, source: ValueSource, states?: { yes: readonly Json[]; no: readonly Json[] }): number | string | undefined {
  const value = valueAt(data, source.path);
  if (value === undefined || value === null) return undefined;
  if (states) {
    if (states.yes.some((v) => same(v, value))) return 1;
    if (states.no.some((v) => same(v, value))) return 0;
    return `${source.path.text} is ${shown(value)}; the rule knows ${[...states.yes, ...states.no].map(shown).join(', ')}`;
  }
  const n = numberOf(value);
  return n === null ? `${source.path.text} is ${shown(value)}, not a number` : filtered(n, source.filters);
}

function twoStates(data: Json, states: TwoStates, label: string): boolean | string | undefined {
  const value = valueAt(data, states.source.path);
  if (value === undefined) return undefined;
  if (states.yes.some((v) => same(v, value))) return true;
  if (states.no.some((v) => same(v, value))) return false;
  return `${label} ${states.source.path.text} is ${shown(value)}; the rule knows ${[...states.yes, ...states.no].map(shown).join(', ')}`;
}

function text(data: Json, at: JsonPath | null): string | null {
  if (at === null) return null;
  const value = valueAt(data, at);
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_TEXT) : null;
}

/**
 * Writes what `rule` finds in `data` (the payload as JSON, or its text) to `into`, a fresh
 * Meanings. Fails when a value the rule names is there but unusable, or when the payload has
 * none of them; `into` then holds a part and is to be dropped.
 */
export function applyRule(rule: MappingRule, captures: TopicCaptures, data: Json, into: Meanings): RuleOutcome {
  let found = 0;
  const bad = (reason: string): RuleOutcome => ({ ok: false, reason });
  if (rule.when) {
    const value = valueAt(data, rule.when.source.path);
    if (value === undefined || !rule.when.values.some((v) => same(v, value))) return { ok: true, skipped: true };
  }
  if (rule.readings === 'numbers') {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('the payload is not a JSON object');
    for (const [metric, value] of Object.entries(data)) {
      if (isMetricName(metric) && ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')) {
        into.readings[metric] = numberOf(value) as number;
        found++;
      } else if (value !== null) found++; // a state, an action: other parts of the rule may use it
    }
  } else if (rule.readings) {
    for (const { metric, value, states } of rule.readings) {
      const name = metric === TOPIC_METRIC ? (captures.metric ?? '') : metric;
      if (!isMetricName(name)) return bad(`the topic names metric "${name.slice(0, 40)}", which is not lower_snake_case`);
      const got = reading(data, value, states);
      if (typeof got === 'string') return bad(got);
      if (got !== undefined) {
        into.readings[name] = got;
        found++;
      }
    }
  }
  if (rule.status) {
    const online = twoStates(data, rule.status, 'status');
    if (typeof online === 'string') return bad(online);
    if (online !== undefined) {
      into.online = online;
      found++;
    }
  }
  if (rule.info) {
    into.model = text(data, rule.info.model) ?? into.model;
    into.fw = text(data, rule.info.fw) ?? into.fw;
    if (into.model !== null || into.fw !== null) found++;
  }
  if (rule.led) {
    const on = twoStates(data, rule.led, 'led');
    if (typeof on === 'string') return bad(on);
    if (on !== undefined) {
      into.led = on ? 'on' : 'off';
      found++;
    }
  }
  if (rule.event) {
    const value = valueAt(data, rule.event.value.path);
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length > 0)) {
      into.events.push({ type: rule.event.type, value: typeof value === 'string' ? value.slice(0, MAX_TEXT) : value });
      found++;
    } else if (value === '' || value === null) found++; // Zigbee2MQTT clears `action` after it: no event, not a problem
  }
  return found > 0 ? { ok: true } : bad(`the payload has none of the values rule ${rule.name} maps`);
}
