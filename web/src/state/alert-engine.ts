/**
 * Threshold alerts a user sets on the page ("temperature above 40 °C for 30 s"). Readings are
 * judged on hub time, so a slow tab or a replay after a reconnect fires exactly as live data
 * would have. Pure, unit-tested in Node.
 */
import { isDeviceId, isMetricName } from '../../../protocol/names.js';

export type AlertOp = 'above' | 'below';

export interface AlertRule {
  id: string;
  metric: string;
  op: AlertOp;
  threshold: number;
  /** How long the condition must hold before the alert fires, in seconds; 0 fires at once. */
  forSeconds: number;
  /** One device, or null for every device. */
  device: string | null;
}

export interface Firing {
  rule: AlertRule;
  device: string;
  /** Hub time the condition started to hold. */
  since: number;
  /** The latest value that kept it true. */
  value: number;
}

export type AlertEvent = { type: 'fired'; firing: Firing; at: number } | { type: 'resolved'; firing: Firing; at: number; value: number };

export const MAX_RULES = 50;
const MAX_FOR_SECONDS = 24 * 3600;

export type RuleCheck = { ok: true; rule: AlertRule } | { ok: false; error: string };

/** Checks a rule as typed into the form. */
export function checkRule(input: { id: string; metric: string; op: string; threshold: string; forSeconds: string; device: string }): RuleCheck {
  const metric = input.metric.trim();
  const device = input.device.trim();
  const threshold = Number(input.threshold);
  const forSeconds = Number(input.forSeconds);
  if (!isMetricName(metric)) return { ok: false, error: 'Metric must be a lower-case name such as temperature.' };
  if (input.op !== 'above' && input.op !== 'below') return { ok: false, error: 'Choose above or below.' };
  if (input.threshold.trim() === '' || !Number.isFinite(threshold)) return { ok: false, error: 'Threshold must be a number.' };
  if (!Number.isFinite(forSeconds) || forSeconds < 0 || forSeconds > MAX_FOR_SECONDS) return { ok: false, error: 'Duration must be between 0 s and 24 h.' };
  if (device !== '' && !isDeviceId(device)) return { ok: false, error: 'That is not a valid device id.' };
  return { ok: true, rule: { id: input.id, metric, op: input.op, threshold, forSeconds, device: device === '' ? null : device } };
}

/** True for a list of rules as saved by this page (anything else in storage is ignored). */
export function isRuleList(x: unknown): x is AlertRule[] {
  return (
    Array.isArray(x) &&
    x.every((r: Partial<AlertRule> | null) => {
      if (typeof r !== 'object' || r === null) return false;
      const check = checkRule({
        id: String(r.id),
        metric: String(r.metric),
        op: String(r.op),
        threshold: String(r.threshold),
        forSeconds: String(r.forSeconds),
        device: r.device ?? '',
      });
      return typeof r.id === 'string' && check.ok;
    })
  );
}

export function describeRule(rule: AlertRule): string {
  const who = rule.device ?? 'any device';
  return `${rule.metric} ${rule.op} ${rule.threshold} for ${rule.forSeconds} s on ${who}`;
}

interface Pending {
  firing: Firing;
  fired: boolean;
}

export class AlertEngine {
  private rules: AlertRule[] = [];
  private readonly states = new Map<string, Pending>();

  setRules(rules: readonly AlertRule[]): void {
    this.rules = rules.slice(0, MAX_RULES);
    const ids = new Set(this.rules.map((r) => r.id));
    for (const [key, state] of this.states) if (!ids.has(state.firing.rule.id)) this.states.delete(key);
  }

  /** Judges one reading taken by the hub at `ts`. */
  observe(device: string, metric: string, value: number, ts: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const rule of this.rules) {
      if (rule.metric !== metric || (rule.device !== null && rule.device !== device)) continue;
      const key = `${rule.id}\u0000${device}`;
      const state = this.states.get(key);
      const holds = rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
      if (!holds) {
        if (state?.fired) events.push({ type: 'resolved', firing: state.firing, at: ts, value });
        this.states.delete(key);
        continue;
      }
      const pending = state ?? { firing: { rule, device, since: ts, value }, fired: false };
      pending.firing.value = value;
      this.states.set(key, pending);
      this.fireIfDue(pending, ts, events);
    }
    return events;
  }

  /** Fires what has held long enough by hub time `now` even if no new reading came. */
  tick(now: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const state of this.states.values()) this.fireIfDue(state, now, events);
    return events;
  }

  firing(): Firing[] {
    return [...this.states.values()].filter((s) => s.fired).map((s) => s.firing);
  }

  private fireIfDue(state: Pending, now: number, events: AlertEvent[]): void {
    if (state.fired || now - state.firing.since < state.firing.rule.forSeconds * 1000) return;
    state.fired = true;
    events.push({ type: 'fired', firing: state.firing, at: now });
  }
}
