/**
 * What each kind of condition does with a message and with the passing of time, for one rule
 * and one device: pure functions over a small Track, answering whether the alert should fire
 * or resolve now (and with what value). The engine owns the tracks and the alerts.
 */
import type { AlertCondition } from '../../protocol/alerts.js';
import type { CommandView, HubMessage, Json } from '../../protocol/message.js';

/** One rule's memory of one device. */
export interface Track {
  /** When the condition started to hold (threshold, offline), or the last match (event, command); null: it does not hold. */
  since: number | null;
  /** The last value that counted (a reading, an event's data). */
  value: Json;
  /** Stuck: how many readings in a row had `value`. */
  repeats: number;
  /** Whether an alert is firing for this rule and device. */
  firing: boolean;
}

export type Transition = { to: 'firing' | 'resolved'; value: Json } | null;

export const newTrack = (): Track => ({ since: null, value: null, repeats: 0, firing: false });

const fire = (value: Json): Transition => ({ to: 'firing', value });
const resolve = (value: Json): Transition => ({ to: 'resolved', value });

/** The reading of `metric` a telemetry message carries (JSON object or one number on telemetry/{metric}), if any. */
export function readingOf(msg: HubMessage, metric: string): number | null {
  if (msg.kind !== 'telemetry') return null;
  if (typeof msg.data === 'number') return msg.topic.endsWith(`/telemetry/${metric}`) ? msg.data : null;
  if (typeof msg.data !== 'object' || msg.data === null || Array.isArray(msg.data)) return null;
  const v = msg.data[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function matches(data: Json, match: Record<string, string | number | boolean>): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  return Object.entries(match).every(([k, v]) => data[k] === v);
}

/** A message from (or about) the device, already applied: may start or end the condition. */
export function onMessage(c: AlertCondition, t: Track, msg: HubMessage): Transition {
  switch (c.type) {
    case 'threshold': {
      const v = readingOf(msg, c.metric);
      if (v === null) return null;
      t.value = v;
      const holding = t.since !== null;
      // Hysteresis: once holding, it stops only back past the threshold by `hysteresis`.
      const holds = c.above !== null ? (holding ? v > c.above - c.hysteresis : v > c.above) : holding ? v < (c.below as number) + c.hysteresis : v < (c.below as number);
      if (!holds) {
        t.since = null;
        return t.firing ? resolve(v) : null;
      }
      t.since ??= msg.ts;
      return !t.firing && msg.ts - t.since >= c.forMs ? fire(v) : null;
    }
    case 'offline': {
      if (msg.kind !== 'status' || typeof msg.data !== 'object' || msg.data === null || Array.isArray(msg.data) || typeof msg.data.online !== 'boolean') return null;
      if (msg.data.online) {
        t.since = null;
        return t.firing ? resolve(0) : null;
      }
      t.since ??= msg.ts;
      return null;
    }
    case 'silent': {
      // The hub's own messages about a device (commands, alerts) are not the device speaking.
      if (msg.kind === 'command' || msg.kind === 'alert') return null;
      t.since = msg.ts;
      return t.firing ? resolve(0) : null;
    }
    case 'stuck': {
      const v = readingOf(msg, c.metric);
      if (v === null) return null;
      if (t.repeats > 0 && t.value === v) t.repeats++;
      else {
        t.value = v;
        t.repeats = 1;
        if (t.firing) return resolve(v);
      }
      return !t.firing && t.repeats >= c.readings ? fire(v) : null;
    }
    case 'event': {
      if (msg.kind !== 'event' || !matches(msg.data, c.match)) return null;
      t.since = msg.ts;
      return t.firing ? null : fire(msg.data);
    }
    case 'command': {
      if (msg.kind !== 'command') return null;
      const view = msg.data as unknown as Partial<CommandView>;
      if (!(c.states as string[]).includes(String(view.status)) || (c.name !== null && view.name !== c.name)) return null;
      t.since = msg.ts;
      return t.firing ? null : fire({ id: view.id ?? null, name: view.name ?? null, status: view.status ?? null, error: view.error ?? null });
    }
  }
}

/** Time has passed: a duration may now be reached (for, offline, silent) or a match gone stale (event, command). */
export function onTick(c: AlertCondition, t: Track, now: number): Transition {
  if (t.since === null) return null;
  switch (c.type) {
    case 'threshold':
      return !t.firing && c.forMs > 0 && now - t.since >= c.forMs ? fire(t.value) : null;
    case 'offline':
    case 'silent':
      return !t.firing && now - t.since >= c.forMs ? fire(now - t.since) : null;
    case 'event':
    case 'command':
      return t.firing && now - t.since >= c.forMs ? resolve(null) : null;
    case 'stuck':
      return null;
  }
}

/**
 * Brings a track in line with the alert the cluster holds for it (`firing`, or null when none
 * fires): an applied alert message, or the firing alerts a node starts with. A node that
 * restarted or got the rule later than others has seen less; aligned, it does not resolve an
 * alert the others still hold (a reading inside the hysteresis, the stuck value again). It only
 * ever decides later than they do, never sooner.
 */
export function alignTrack(c: AlertCondition, t: Track, firing: { since: number; value: Json } | null): void {
  t.firing = firing !== null;
  if (firing === null) return;
  if (c.type === 'threshold') t.since ??= firing.since;
  else if (c.type === 'stuck' && t.value !== firing.value) {
    t.value = firing.value;
    t.repeats = 1;
  }
}
