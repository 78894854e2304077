/**
 * The alert engine: evaluates every rule against every applied message and against the clock,
 * and turns each change (firing, resolved, acknowledged) into an `alert` message that it submits
 * for sequencing like any other, so alerts are stored, resumed and carried on every transport.
 * It keeps alerts only from applied alert messages, so every node of a cluster holds the same
 * ones; only the node for which `evaluates()` is true submits changes, so none fires twice.
 *
 * Interface: `apply(msg)` for each applied message (in seq order), `submit(entry)` out.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type AlertData, type AlertRuleView, type AlertView, alertTopic } from '../../protocol/alerts.js';
import { type Result, fail, ok } from '../../protocol/errors.js';
import type { DeviceView, HubMessage, Json } from '../../protocol/message.js';
import type { MessageEntry } from '../ingest/sequencer.js';
import type { AlertStore } from './alert-store.js';
import { type Track, type Transition, newTrack, onMessage, onTick } from './conditions.js';

export interface AlertEngine {
  /** A message this node applied, in seq order (alert messages included). Never throws. */
  apply(msg: HubMessage): void;
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
  /** Sequences an alert message (it comes back through apply). */
  submit(entry: MessageEntry): Promise<void>;
  /** True on the one node that evaluates and submits changes (always, on a single node). */
  evaluates(): boolean;
  /** An applied alert message that changed an alert's state, for webhooks; called on the evaluating node only. */
  onChange(msg: HubMessage, rule: AlertRuleView): void;
  /** ms between checks of durations (for, offline, silent, event/command clearing). */
  tickMs: number;
  /** Resolved alerts older than this are deleted, ms. */
  keepMs: number;
  now?: () => number;
  logger: Logger;
}

const keyOf = (rule: string, device: string): string => `${rule}\u0000${device}`;
const viewOf = (d: AlertData): AlertView => ({ id: d.alert, rule: d.rule, name: d.name, device: d.device, state: d.state, value: d.value, severity: d.severity, since: d.since, resolved: d.resolved, ack: d.ack });
const dataOf = (v: AlertView): AlertData => ({ alert: v.id, rule: v.rule, name: v.name, device: v.device, state: v.state, value: v.value, severity: v.severity, since: v.since, resolved: v.resolved, ack: v.ack });

export function createAlertEngine(o: AlertEngineOptions): AlertEngine {
  const now = o.now ?? Date.now;
  const log = o.logger.child({ part: 'alerts' });
  const rules = new Map<string, AlertRuleView>();
  const tracks = new Map<string, Map<string, Track>>();
  /** Alerts firing now, by rule and device, as applied (or as this node just submitted them). */
  const open = new Map<string, AlertData>();

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
      t.firing = open.has(keyOf(rule.id, device));
      perRule.set(device, t);
    }
    return t;
  };

  const submit = (data: AlertData): void => {
    const entry: MessageEntry = { topic: alertTopic(data.rule, data.device), device: data.device, kind: 'alert', data: data as unknown as Json };
    // Submitted from inside an APPLY: the sequencer applies it after the current one (sequencer.ts).
    o.submit(entry).catch((err: unknown) => log.warn({ err, rule: data.rule, device: data.device }, 'alert message not sequenced'));
  };

  const change = (rule: AlertRuleView, device: string, tr: Transition, ts: number): void => {
    if (!tr || !o.evaluates()) return;
    const key = keyOf(rule.id, device);
    const t = trackOf(rule, device);
    if (tr.to === 'firing') {
      const data: AlertData = { alert: randomUUID(), rule: rule.id, name: rule.name, device, state: 'firing', value: tr.value, severity: rule.severity, since: ts, resolved: null, ack: null };
      open.set(key, data);
      t.firing = true;
      submit(data);
      return;
    }
    const firing = open.get(key);
    t.firing = false;
    if (!firing) return;
    open.delete(key);
    submit({ ...firing, state: 'resolved', value: tr.value, resolved: ts });
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
    const t = tracks.get(next.rule)?.get(next.device);
    if (t) t.firing = open.has(key);
    const rule = rules.get(next.rule);
    if (rule && o.evaluates() && stored?.state !== next.state) o.onChange(msg, rule);
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
    for (const rule of rules.values()) {
      for (const [device, t] of tracks.get(rule.id) ?? []) change(rule, device, onTick(rule.condition, t, at), at);
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
          if (covers(rule, msg.device)) change(rule, msg.device, onMessage(rule.condition, trackOf(rule, msg.device), msg), msg.ts);
        }
      } catch (err) {
        log.error({ err, seq: msg.seq }, 'alert evaluation failed for a message');
      }
    },
    addRule(rule) {
      rules.set(rule.id, rule);
      seed(rule);
    },
    removeRule(id) {
      const rule = rules.get(id);
      if (!rule) return;
      for (const device of [...(tracks.get(id)?.keys() ?? [])]) change(rule, device, { to: 'resolved', value: null }, now());
      for (const alert of [...open.values()].filter((a) => a.rule === id)) {
        if (o.evaluates()) submit({ ...alert, state: 'resolved', value: null, resolved: now() });
        open.delete(keyOf(id, alert.device));
      }
      rules.delete(id);
      tracks.delete(id);
    },
    ack(id, by) {
      const view = o.store.alert(id);
      if (!view) return fail('not_found', `no alert "${id.slice(0, 80)}"`);
      if (view.ack) return ok(view);
      const acked: AlertData = { ...(open.get(keyOf(view.rule, view.device))?.alert === id ? (open.get(keyOf(view.rule, view.device)) as AlertData) : dataOf(view)), ack: { by, at: now() } };
      submit(acked);
      return ok(viewOf(acked));
    },
    close() {
      clearInterval(ticker);
      clearInterval(pruner);
    },
  };
}
