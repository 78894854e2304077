/**
 * The mapper: the one place a foreign publish becomes contract meanings. For a topic some rule
 * matches it returns the entries a native device would have published — `devices/{id}/status`,
 * `telemetry`, `led`, `events` — so the registry, history, rollups, charts and alerts treat a
 * mapped device exactly like a native one; ingest still carries the raw publish as `message`.
 * A payload a rule cannot read becomes a `reject` naming the rule and why.
 *
 * A mapped device's status also carries where it came from (`source`), the units of its
 * readings and its mapping problems; they are sent again only when they change, so the
 * registry (and every node of a cluster, which all apply the same messages) keeps them.
 */
import type { Json, RejectData } from '../../protocol/message.js';
import { DEVICE_ID_PATTERN, isDeviceId, topics } from '../../protocol/names.js';
import type { MessageEntry } from '../ingest/sequencer.js';
import type { MappingRule } from './rule.js';
import { type Meanings, applyRule, mergeMeanings, noMeanings } from './rule-apply.js';
import { matchLevels } from './topic-pattern.js';
import { rejectPreview } from '../ingest/payload.js';

/** Problems kept per device, newest last. */
export const MAX_PROBLEMS = 8;
/** Devices whose announced source, units and problems the mapper remembers (oldest forgotten first). */
const MAX_TRACKED = 10_000;
/** Characters of a payload quoted in a reject. */

export interface Mapper {
  /** The entries `topic`'s payload (`data`, as ingest decoded it) means; none when no rule matches. */
  map(topic: string, data: Json, payload: Buffer): MessageEntry[];
  /** Keeps `rules`, each for one device, under `key` beside the static ones (HA discovery: one key per config topic); null removes them. */
  setRules(key: string, rules: MappingRule[] | null): void;
  /**
   * What a device says of itself outside its payloads (an HA discovery config): model, firmware,
   * units, and problems by key (null clears one, such as a skipped template). Returns the status
   * entry to send when anything changed.
   */
  describe(device: string, source: string, facts: DeviceFacts): MessageEntry | null;
  /** Rules in force, static and dynamic. */
  size(): number;
  /** True when `device` publishes natively, so no rule may write into it. */
  isNative(device: string): boolean;
}

export interface DeviceFacts {
  model: string | null;
  fw: string | null;
  units: Record<string, string>;
  problems: [key: string, problem: string | null][];
}

interface Tracked {
  source: string;
  units: Record<string, string>;
  problems: Map<string, string>;
  /** What the registry was last told: source, units and problems as JSON. */
  announced: string;
}

/**
 * `isNative` tells a device that publishes on its own contract topics: mapping never writes into
 * one (a foreign topic someone may publish on must not become another device's readings).
 */
export function createMapper(staticRules: readonly MappingRule[], isNative: (device: string) => boolean = () => false): Mapper {
  const dynamic = new Map<string, MappingRule[]>();
  // Rules for one known device listen on one exact topic (HA discovery, thousands of them): looked up, not scanned.
  const byTopic = new Map<string, MappingRule[]>();
  const patterned = staticRules.filter((r) => r.device === undefined);
  for (const rule of staticRules.filter((r) => r.device !== undefined)) byTopic.set(rule.topic.text, [...(byTopic.get(rule.topic.text) ?? []), rule]);
  let count = staticRules.length;
  const tracked = new Map<string, Tracked>();

  const track = (device: string, source: string): Tracked => {
    let t = tracked.get(device);
    if (!t) {
      if (tracked.size >= MAX_TRACKED) tracked.delete(tracked.keys().next().value as string);
      t = { source, units: {}, problems: new Map(), announced: '' };
      tracked.set(device, t);
    }
    t.source = source;
    return t;
  };
  const setProblem = (t: Tracked, key: string, problem: string | null): void => {
    t.problems.delete(key);
    if (problem === null) return;
    t.problems.set(key, problem);
    if (t.problems.size > MAX_PROBLEMS) t.problems.delete(t.problems.keys().next().value as string);
  };
  /** The status a device's meanings and announcement make, or null when there is nothing new. */
  const statusOf = (device: string, t: Tracked, m: Meanings): MessageEntry | null => {
    const announcement = { source: t.source, units: { ...t.units }, problems: [...t.problems.values()] };
    const text = JSON.stringify(announcement);
    const changed = text !== t.announced;
    if (!changed && m.online === null && m.model === null && m.fw === null) return null;
    t.announced = text;
    const data: { [key: string]: Json } = { online: m.online ?? true, ...announcement };
    if (m.model !== null) data.model = m.model;
    if (m.fw !== null) data.fw = m.fw;
    return { topic: topics.status(device), device, kind: 'status', data };
  };

  return {
    map(topic, data, payload) {
      // Most foreign publishes match no rule: nothing is built for them.
      const exact = byTopic.get(topic);
      if (exact === undefined && patterned.length === 0) return [];
      const found = new Map<string, { t: Tracked; m: Meanings; rejects: MessageEntry[] }>();
      const rejects: MessageEntry[] = [];
      const reject = (device: string | null, code: RejectData['code'], reason: string): MessageEntry => ({
        topic,
        device,
        kind: 'reject',
        data: { code, reason, topic, payload: rejectPreview(payload) },
      });
      const levels = topic.split('/');
      for (const rule of exact ? [...exact, ...patterned] : patterned) {
        const captures = matchLevels(rule.topic, levels);
        if (!captures) continue;
        if (rule.device !== undefined) captures.id = rule.device;
        if (!isDeviceId(captures.id)) {
          rejects.push(reject(null, 'bad_device_id', `mapping rule ${rule.name}: device id "${captures.id.slice(0, 64)}" must match ${DEVICE_ID_PATTERN.source}`));
          continue;
        }
        if (isNative(captures.id)) {
          rejects.push(reject(null, 'forbidden', `mapping rule ${rule.name}: device "${captures.id}" publishes on its own devices/ topics; mapping does not write into it`));
          continue;
        }
        // A rule reads a payload whole or not at all: a failing one adds nothing.
        const meanings = noMeanings();
        const outcome = applyRule(rule, captures, data, meanings);
        if (outcome.ok && outcome.skipped) continue;
        const device = found.get(captures.id) ?? { t: track(captures.id, rule.source), m: noMeanings(), rejects: [] };
        found.set(captures.id, device);
        device.t.source = rule.source;
        if (outcome.ok) {
          mergeMeanings(device.m, meanings);
          setProblem(device.t, rule.name, null);
          for (const metric of Object.keys(meanings.readings)) {
            const unit = rule.units[metric];
            if (unit !== undefined) device.t.units[metric] = unit;
          }
        } else {
          const reason = `mapping rule ${rule.name}: ${outcome.reason}`;
          setProblem(device.t, rule.name, reason);
          device.rejects.push(reject(captures.id, 'bad_payload', reason));
        }
      }
      const entries: MessageEntry[] = [];
      for (const [id, { t, m, rejects: own }] of found) {
        const status = statusOf(id, t, m);
        if (status) entries.push(status);
        if (Object.keys(m.readings).length > 0) entries.push({ topic: topics.telemetry(id), device: id, kind: 'telemetry', data: m.readings });
        if (m.led !== null) entries.push({ topic: topics.led(id), device: id, kind: 'led', data: { state: m.led } });
        for (const event of m.events) entries.push({ topic: topics.events(id), device: id, kind: 'event', data: event });
        entries.push(...own);
      }
      return entries.concat(rejects);
    },
    setRules(key, rules) {
      for (const old of dynamic.get(key) ?? []) {
        const left = (byTopic.get(old.topic.text) ?? []).filter((r) => r !== old);
        if (left.length > 0) byTopic.set(old.topic.text, left);
        else byTopic.delete(old.topic.text);
        count--;
      }
      dynamic.delete(key);
      if (rules === null) return;
      dynamic.set(key, rules);
      for (const rule of rules) {
        if (rule.device === undefined) throw new Error(`dynamic rule ${rule.name} names no device`);
        byTopic.set(rule.topic.text, [...(byTopic.get(rule.topic.text) ?? []), rule]);
        count++;
      }
    },
    describe(device, source, facts) {
      const t = track(device, source);
      Object.assign(t.units, facts.units);
      for (const [key, problem] of facts.problems) setProblem(t, key, problem);
      return statusOf(device, t, { ...noMeanings(), model: facts.model, fw: facts.fw });
    },
    size: () => count,
    isNative,
  };
}
