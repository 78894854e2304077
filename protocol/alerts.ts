/**
 * Alerts on the hub (shared/CONTRACT.md "Alerts"): the rule as `/api/alert-rules` gives it,
 * the `data` of a `kind: "alert"` message on `alerts/{rule id}/{device}`, and the alert as
 * `/api/alerts` lists it. Shared by the bridge and the dashboard.
 */
import type { Json } from './message.js';

export const ALERTS_ROOT = 'alerts';
export const alertTopic = (rule: string, device: string): string => `${ALERTS_ROOT}/${rule}/${device}`;

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** What a rule watches; exactly one per rule. Durations are ms. */
export type AlertCondition =
  /** A metric above `above` (or below `below`) for at least `forMs`; it stops holding once back past the threshold by `hysteresis`. */
  | { type: 'threshold'; metric: string; above: number | null; below: number | null; hysteresis: number; forMs: number }
  /** The device reports itself offline (status or last will) for `forMs`. */
  | { type: 'offline'; forMs: number }
  /** Nothing at all from the device for `forMs`. */
  | { type: 'silent'; forMs: number }
  /** The metric's last `readings` readings are all the same value. */
  | { type: 'stuck'; metric: string; readings: number }
  /** An event whose fields equal every field of `match`; it resolves `forMs` after the last match. */
  | { type: 'event'; match: { [field: string]: string | number | boolean }; forMs: number }
  /** A command (of `name`, or any) that ends `failed` or `timeout`; it resolves `forMs` after the last one. */
  | { type: 'command'; name: string | null; states: ('failed' | 'timeout')[]; forMs: number };

/** Which devices a rule applies to; every field null: all devices. */
export interface AlertTarget {
  devices: string[] | null;
  model: string | null;
}

export interface AlertRuleView {
  id: string;
  name: string;
  severity: Severity;
  condition: AlertCondition;
  target: AlertTarget;
  /** An http(s) URL each change is POSTed to, or null. */
  webhook: string | null;
  /** ms since epoch */
  created: number;
  /** Who created it. */
  by: string;
}

/** The `data` of an `alert` message. */
export interface AlertData {
  /** The alert's id: one per firing, kept by its resolution and acknowledgement. */
  alert: string;
  rule: string;
  name: string;
  device: string;
  state: AlertState;
  /** What tripped it (a reading, a duration in ms, the event or command); at resolution, what cleared it. */
  value: Json;
  severity: Severity;
  /** When it started firing, ms since epoch. */
  since: number;
  /** When it resolved, ms since epoch, or null. */
  resolved: number | null;
  ack: { by: string; at: number } | null;
}

/** An alert as `GET /api/alerts` lists it: the message's data, its id named `id`. */
export type AlertView = Omit<AlertData, 'alert'> & { id: string };

/** The header a webhook's HMAC-SHA256 of its body travels in: `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'x-fleetwire-signature';
