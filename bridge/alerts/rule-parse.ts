/**
 * Checks a rule as `POST /api/alert-rules` receives it (shared/CONTRACT.md "Alerts") and turns
 * it into an AlertRuleView, or says what is wrong. The body is flat: a name, one condition
 * (`metric` with `above` or `below`; `offline`; `silent`; `metric` with `stuck`; `event`;
 * `command`), a target (`device`, `devices` or `model`; none: every device), and optional
 * `for`, `hysteresis`, `severity` and `webhook`. Pure but for the `knownMetric` question.
 */
import { durationMs } from '../../protocol/duration.js';
import { type Result, fail, ok } from '../../protocol/errors.js';
import { type AlertCondition, type AlertTarget, SEVERITIES, type Severity } from '../../protocol/alerts.js';
import { isDeviceId, isMetricName } from '../../protocol/names.js';
import { checkWebhookUrl } from './webhook-target.js';

/** Devices one rule may list. */
export const MAX_RULE_DEVICES = 1_000;
/** Longest `for`, `offline` or `silent`: a day is a report, not an alert. */
const MAX_DURATION_MS = 86_400_000;
/** How long an event or command alert stays firing after its last match, unless `for` says. */
const DEFAULT_CLEAR_MS = 300_000;
const CONDITION_FIELDS = ['above', 'below', 'offline', 'silent', 'stuck', 'event', 'command'] as const;
const KNOWN_FIELDS = new Set<string>(['name', 'metric', 'device', 'devices', 'model', 'for', 'hysteresis', 'severity', 'webhook', ...CONDITION_FIELDS]);

export interface ParsedRule {
  name: string;
  severity: Severity;
  condition: AlertCondition;
  target: AlertTarget;
  webhook: string | null;
}

export interface RuleContext {
  /** True when some device the target covers has reported this metric. */
  knownMetric(metric: string, target: AlertTarget): boolean;
  /** Whether webhooks may reach loopback and private addresses (see webhook-target.ts). */
  allowPrivateWebhooks: boolean;
}

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (error: string): Result<never> => fail('bad_param', error);

function duration(body: Body, field: string, fallback: number): Result<number> {
  const raw = body[field];
  if (raw === undefined) return ok(fallback);
  const ms = typeof raw === 'string' ? durationMs(raw) : null;
  if (ms === null || ms > MAX_DURATION_MS) return bad(`"${field}" must be a duration such as "10s", "5m" or "1h", at most a day`);
  return ok(ms);
}

function target(body: Body): Result<AlertTarget> {
  const given = ['device', 'devices', 'model'].filter((f) => body[f] !== undefined);
  if (given.length > 1) return bad(`give one of "device", "devices" or "model", not ${given.join(' and ')}`);
  if (body.device !== undefined) {
    return typeof body.device === 'string' && isDeviceId(body.device) ? ok({ devices: [body.device], model: null }) : bad('"device" must be a device id');
  }
  if (body.devices !== undefined) {
    const list = body.devices;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RULE_DEVICES || !list.every((d) => typeof d === 'string' && isDeviceId(d))) {
      return bad(`"devices" must be a list of 1 to ${MAX_RULE_DEVICES} device ids`);
    }
    return ok({ devices: [...new Set(list as string[])], model: null });
  }
  if (body.model !== undefined) {
    return typeof body.model === 'string' && body.model.length > 0 && body.model.length <= 64 ? ok({ devices: null, model: body.model }) : bad('"model" must be a model name of 1 to 64 characters');
  }
  return ok({ devices: null, model: null });
}

function metricOf(body: Body, t: AlertTarget, ctx: RuleContext): Result<string> {
  const metric = body.metric;
  if (typeof metric !== 'string' || !isMetricName(metric)) return bad('"metric" must be a metric name (a-z, 0-9 and _, at most 32, starting with a letter)');
  if (!ctx.knownMetric(metric, t)) return bad(`unknown metric "${metric}": no device this rule covers has reported it`);
  return ok(metric);
}

function condition(body: Body, t: AlertTarget, ctx: RuleContext): Result<AlertCondition> {
  const given = CONDITION_FIELDS.filter((f) => body[f] !== undefined);
  if (given.length === 0) return bad(`a rule needs a condition: one of ${CONDITION_FIELDS.map((f) => `"${f}"`).join(', ')}`);
  if (given.length > 1) return bad(`a rule has one condition; this one gives ${given.join(' and ')}`);
  const forMs = duration(body, 'for', 0);
  if (!forMs.ok) return forMs;
  const kind = given[0] as (typeof CONDITION_FIELDS)[number];
  if (kind !== 'above' && kind !== 'below' && body.hysteresis !== undefined) return bad('"hysteresis" applies to "above" and "below" only');
  if ((kind === 'stuck' || kind === 'offline' || kind === 'silent') && body.for !== undefined) return bad(`"for" does not apply to "${kind}"`);
  switch (kind) {
    case 'above':
    case 'below': {
      const metric = metricOf(body, t, ctx);
      if (!metric.ok) return metric;
      const threshold = body[kind];
      if (typeof threshold !== 'number' || !Number.isFinite(threshold)) return bad(`"${kind}" must be a finite number`);
      const hysteresis = body.hysteresis ?? 0;
      if (typeof hysteresis !== 'number' || !Number.isFinite(hysteresis) || hysteresis < 0) return bad('"hysteresis" must be a number, 0 or more');
      return ok({ type: 'threshold', metric: metric.value, above: kind === 'above' ? threshold : null, below: kind === 'below' ? threshold : null, hysteresis, forMs: forMs.value });
    }
    case 'offline':
    case 'silent': {
      const ms = duration(body, kind, 0);
      if (!ms.ok) return ms;
      if (ms.value < 1000) return bad(`"${kind}" must be at least "1s"`);
      return ok({ type: kind, forMs: ms.value });
    }
    case 'stuck': {
      const metric = metricOf(body, t, ctx);
      if (!metric.ok) return metric;
      const n = body.stuck;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 2 || n > 10_000) return bad('"stuck" must be a whole number of readings from 2 to 10000');
      return ok({ type: 'stuck', metric: metric.value, readings: n });
    }
    case 'event': {
      const match = body.event;
      const entries = isObject(match) ? Object.entries(match) : [];
      if (entries.length === 0 || entries.length > 16 || !entries.every(([k, v]) => k.length <= 64 && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))) {
        return bad('"event" must be an object of 1 to 16 fields to match, each a string, number or boolean, e.g. {"type":"hotplug","peripheral":"usb-storage"}');
      }
      const clear = duration(body, 'for', DEFAULT_CLEAR_MS);
      return clear.ok ? ok({ type: 'event', match: Object.fromEntries(entries) as Record<string, string | number | boolean>, forMs: clear.value }) : clear;
    }
    case 'command': {
      const c = body.command;
      const spec = isObject(c) ? c : c === true ? {} : null;
      const states = spec?.states ?? ['failed', 'timeout'];
      const name = spec?.name ?? null;
      if (spec === null || !Array.isArray(states) || states.length === 0 || !states.every((s) => s === 'failed' || s === 'timeout') || (name !== null && (typeof name !== 'string' || !isMetricName(name)))) {
        return bad('"command" must be true or {"name"?: "<command>", "states"?: ["failed", "timeout"]}');
      }
      const clear = duration(body, 'for', DEFAULT_CLEAR_MS);
      return clear.ok ? ok({ type: 'command', name, states: [...new Set(states as ('failed' | 'timeout')[])], forMs: clear.value }) : clear;
    }
  }
}

export function parseRule(body: unknown, ctx: RuleContext): Result<ParsedRule> {
  if (!isObject(body)) return bad('send a rule as a JSON object, e.g. {"name":"hot","metric":"temperature","above":30}');
  const unknown = Object.keys(body).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) return bad(`unknown field ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')}`);
  const name = body.name;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 80) return bad('"name" must be text of 1 to 80 characters');
  const severity = body.severity ?? 'warning';
  if (!(SEVERITIES as readonly unknown[]).includes(severity)) return bad(`"severity" must be one of ${SEVERITIES.join(', ')}`);
  const t = target(body);
  if (!t.ok) return t;
  const c = condition(body, t.value, ctx);
  if (!c.ok) return c;
  let webhook: string | null = null;
  if (body.webhook !== undefined) {
    const checked = typeof body.webhook === 'string' ? checkWebhookUrl(body.webhook, ctx.allowPrivateWebhooks) : bad('"webhook" must be an http(s) URL');
    if (!checked.ok) return checked;
    webhook = checked.value;
  }
  return ok({ name: name.trim(), severity: severity as Severity, condition: c.value, target: t.value, webhook });
}
