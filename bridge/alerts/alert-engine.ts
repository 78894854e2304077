/**
 * The alert engine: evaluates every rule against every applied message and against the clock,
 * and turns each change (firing, resolved, acknowledged) into an `alert` message sequenced like
 * any other, so alerts are stored, resumed and carried on every transport. It keeps alerts only
 * from applied alert messages, so every node of a cluster holds the same ones.
 *
 * In a cluster every node evaluates every rule (each applies every message, in one order) and
 * proposes each change it sees through a guard (sequencer.ts Guard): per rule and device, a
 * change passes only from the state the cluster last sequenced, and only when the proposer had
 * applied that change. Of the nodes proposing one firing or resolution, exactly one gets it
 * sequenced; a node behind the others is refused for changes already made. That node sends the
 * webhook. No node is special: while any is up, rules fire and resolve, on the clock too.
 *
 * Interface: `apply(msg)` for each applied message (in seq order); `propose`/`submit` out.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type AlertData, type AlertRuleView, type AlertView, alertTopic } from '../../protocol/alerts.js';
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { DeviceView, HubMessage, Json } from '../../protocol/message.js';
import type { Guard, MessageEntry } from '../ingest/sequencer.js';
import type { AlertStore } from './alert-store.js';
import { type Track, type Transition, alignTrack, newTrack, onMessage, onTick } from './conditions.js';

export interface AlertEngine {
  /** A message this node applied, in seq order (alert messages included). Never throws. */
  apply(msg: HubMessage): void;
  /** Starts evaluating a rule; a rule it already has is left as it is. */
  addRule(rule: AlertRuleView): void;
  /** Drops the rule; its firing alerts resolve. */
  removeRule(id: string): void;
  /** Acknowledges an alert as `by`: an alert message carrying who and when. */
  ack(id: string, by: string): Result<AlertView>;
  close(): void;
}

export interface AlertEngineOptions {
  store: AlertStore;
  registry: { get(id: string): DeviceView | undefined; list(): DeviceView[] };
  /** Sequences an acknowledgement (it comes back through apply). */
  submit(entry: MessageEntry): Promise<void>;
  /** Sequences a firing or a resolution if its guard passes (it comes back through apply); null: refused. */
  propose(entry: MessageEntry, guard: Guard): Promise<HubMessage | null>;
  /** The highest seq applied here: what a decision made now has seen. */
  lastSeq(): number;
  /** A change this node's proposal got sequenced, for webhooks: once per change, cluster-wide. */
  onSequenced(msg: HubMessage, rule: AlertRuleView): void;
  /** ms between checks of durations (for, offline, silent, event/command clearing). */
  tickMs: number;
  /** Resolved alerts older than this are deleted, ms. */
  keepMs: number;
  now?: () => number;
  logger: Logger;
}

/** The guard scope of a rule's alerts; its fields are device ids, its states "firing" and "resolved". */
export const alertGuardScope = (rule: string): string => `alerts/${rule}`;

const keyOf = (rule: string, device: string): string => `${rule}\u0000${device}`;
const viewOf = (d: AlertData): AlertView => ({ id: d.alert, rule: d.rule, name: d.name, device: d.device, state: d.state, value: d.value, severity: d.severity, since: d.since, resolved: d.resolved, ack: d.ack });
const dataOf = (v: AlertView): AlertData => ({ alert: v.id, rule: v.rule, name: v.name, device: v.device, state: v.state, value: v.value, severity: v.severity, since: v.since, resolved: v.resolved, ack: v.ack });
const entryOf = (data: AlertData): MessageEntry => ({ topic: alertTopic(data.rule, data.device), device: data.device, kind: 'alert', data: data as unknown as Json });

/** A change the conditions want while a proposal for the same rule and device is unanswered. */
interface Wanted {
  rule: AlertRuleView;
  device: string;
  tr: NonNullable<Transition>;
  ts: number;
}

export function createAlertEngine(o: AlertEngineOptions): AlertEngine {
  const now = o.now ?? Date.now;
  const log = o.logger.child({ part: 'alerts' });
  const rules = new Map<string, AlertRuleView>();
  const tracks = new Map<string, Map<string, Track>>();
  /** Alerts firing now, by rule and device, as applied. */
  const open = new Map<string, AlertData>();
  /** Rule and device pairs with a proposal out; one at a time each, so a node never races itself. */
  const proposing = new Set<string>();
  /** Pairs whose alert changed (an alert message applied) while their proposal was out. */
  const moved = new Set<string>();
  /** The latest change the conditions wanted for a pair while its proposal was out. */
  const wanted = new Map<string, Wanted>();

  const covers = (rule: AlertRuleView, device: string): boolean => {
    const t = rule.target;
    if (t.devices !== null) return t.devices.includes(device);
    if (t.model !== null) return o.registry.get(device)?.model === t.model;
    return true;
  };

  const trackOf = (rule: AlertRuleView, device: string): Track => {
    const perRule = tracks.get(rule.id) as Map<string, Track>;
    let t = perRule.get(device);
    if (!t) {
      t = newTrack();
      alignTrack(rule.condition, t, open.get(keyOf(rule.id, device)) ?? null);
      perRule.set(device, t);
    }
    return t;
  };

  /**
   * Proposes the change unless the cluster already holds that state. `basis` is the seq the
   * decision has seen. What the conditions want while a proposal is out waits for its answer,
   * so a firing and its quick resolution go out in order.
   */
  const propose = (rule: AlertRuleView, device: string, tr: NonNullable<Transition>, ts: number, basis: number): void => {
    const key = keyOf(rule.id, device);
    if (proposing.has(key)) {
      wanted.set(key, { rule, device, tr, ts });
      return;
    }
    wanted.delete(key);
    const current = open.get(key);
    if (tr.to === 'firing' ? current !== undefined : current === undefined) return;
    const data: AlertData = current
      ? { ...current, state: 'resolved', value: tr.value, resolved: ts }
      : { alert: randomUUID(), rule: rule.id, name: rule.name, device, state: 'firing', value: tr.value, severity: rule.severity, since: ts, resolved: null, ack: null };
    const guard: Guard = { scope: alertGuardScope(rule.id), field: device, from: tr.to === 'firing' ? 'resolved' : 'firing', to: tr.to, basis };
    proposing.add(key);
    // Proposed from inside an APPLY: the sequencer applies it after the current one (sequencer.ts).
    o.propose(entryOf(data), guard).then(
      (msg) => {
        proposing.delete(key);
        if (msg) o.onSequenced(msg, rule);
        // Refused, and the change that beat it not applied here yet: record() goes on from there.
        if (moved.delete(key) || msg) proposeWanted(key);
      },
      (err: unknown) => {
        proposing.delete(key);
        moved.delete(key);
        wanted.delete(key);
        log.warn({ err, rule: rule.id, device }, 'alert change not sequenced; evaluated again on the next message or check');
        // The conditions decide again from what the cluster holds (a duration fires on the next tick).
        const t = tracks.get(rule.id)?.get(device);
        if (t) alignTrack(rule.condition, t, open.get(key) ?? null);
      },
    );
  };

  const proposeWanted = (key: string): void => {
    const w = wanted.get(key);
    if (!w) return;
    wanted.delete(key);
    // A removed rule still resolves what it had firing; it fires nothing more.
    if (w.tr.to === 'firing' && !rules.has(w.rule.id)) return;
    propose(w.rule, w.device, w.tr, w.ts, o.lastSeq());
  };

  const change = (rule: AlertRuleView, device: string, tr: Transition, ts: number, basis: number): void => {
    if (!tr) return;
    trackOf(rule, device).firing = tr.to === 'firing';
    propose(rule, device, tr, ts, basis);
  };

  /** An applied alert message: the alert as every node keeps it. */
  const record = (msg: HubMessage): void => {
    const data = msg.data as unknown as AlertData;
    const stored = o.store.alert(data.alert);
    // An acknowledgement made before a resolution was applied must not reopen the alert.
    const next: AlertData = stored?.state === 'resolved' && data.state === 'firing' ? { ...dataOf(stored), ack: data.ack ?? stored.ack } : data;
    o.store.saveAlert(viewOf(next));
    const key = keyOf(next.rule, next.device);
    if (next.state === 'firing') open.set(key, next);
    else if (open.get(key)?.alert === next.alert) open.delete(key);
    const rule = rules.get(next.rule);
    const t = tracks.get(next.rule)?.get(next.device);
    if (rule && t) alignTrack(rule.condition, t, open.get(key) ?? null);
    if (proposing.has(key)) moved.add(key);
    else proposeWanted(key);
  };

  /** Devices the rule covers that the registry knows, with a track each (silent and offline start from them). */
  const seed = (rule: AlertRuleView): void => {
    tracks.set(rule.id, new Map());
    if (rule.condition.type !== 'silent' && rule.condition.type !== 'offline') return;
    const start = now();
    for (const d of o.registry.list()) {
      if (!covers(rule, d.id)) continue;
      const t = trackOf(rule, d.id);
      if (rule.condition.type === 'silent') t.since = d.lastSeen;
      else if (!d.online) t.since = start;
    }
  };

  const tick = (): void => {
    const at = now();
    const basis = o.lastSeq();
    for (const rule of rules.values()) {
      for (const [device, t] of tracks.get(rule.id) ?? []) change(rule, device, onTick(rule.condition, t, at), at, basis);
    }
  };
  const prune = (): void => {
    try {
      o.store.prune(now() - o.keepMs, 1_000);
    } catch (err) {
      log.warn({ err }, 'alert retention failed; it runs again later');
    }
  };

  for (const alert of o.store.firing()) open.set(keyOf(alert.rule, alert.device), dataOf(alert));
  for (const rule of o.store.rules()) {
    rules.set(rule.id, rule);
    seed(rule);
  }
  const ticker = setInterval(tick, o.tickMs);
  ticker.unref();
  const pruner = setInterval(prune, 3_600_000);
  pruner.unref();

  return {
    apply(msg) {
      try {
        if (msg.kind === 'alert') return record(msg);
        if (msg.device === null) return;
        for (const rule of rules.values()) {
          if (covers(rule, msg.device)) change(rule, msg.device, onMessage(rule.condition, trackOf(rule, msg.device), msg), msg.ts, msg.seq);
        }
      } catch (err) {
        log.error({ err, seq: msg.seq }, 'alert evaluation failed for a message');
      }
    },
    addRule(rule) {
      if (rules.has(rule.id)) return;
      rules.set(rule.id, rule);
      seed(rule);
    },
    removeRule(id) {
      const rule = rules.get(id);
      if (!rule) return;
      const basis = o.lastSeq();
      const resolved = { to: 'resolved', value: null } as const;
      for (const alert of [...open.values()].filter((a) => a.rule === id)) propose(rule, alert.device, resolved, now(), basis);
      // A firing still unanswered resolves once it is applied.
      for (const key of proposing) {
        const [ruleId, device] = key.split('\u0000') as [string, string];
        if (ruleId === id) wanted.set(key, { rule, device, tr: resolved, ts: now() });
      }
      rules.delete(id);
      tracks.delete(id);
    },
    ack(id, by) {
      const view = o.store.alert(id);
      if (!view) return fail('not_found', `no alert "${id.slice(0, 80)}"`);
      if (view.ack) return ok(view);
      const current = open.get(keyOf(view.rule, view.device));
      const acked: AlertData = { ...(current?.alert === id ? current : dataOf(view)), ack: { by, at: now() } };
      o.submit(entryOf(acked)).catch((err: unknown) => log.warn({ err, alert: id }, 'acknowledgement not sequenced'));
      return ok(viewOf(acked));
    },
    close() {
      clearInterval(ticker);
      clearInterval(pruner);
    },
  };
}
