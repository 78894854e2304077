/**
 * Checks on what arrives from the network before the page uses it: a hub bug or a proxy
 * mangling a frame must never throw inside a render loop. Pure, so it is unit-tested in Node.
 */
import { ALERT_STATES, SEVERITIES, type AlertView } from '../../../protocol/alerts.js';
import { ledOf, portsOf } from '../../../protocol/device-view.js';
import { MESSAGE_KINDS, type CommandView, type HubMessage, type MessageKind, type Json, type DeviceView } from '../../../protocol/message.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

const isKind = (x: unknown): x is MessageKind => typeof x === 'string' && (MESSAGE_KINDS as readonly string[]).includes(x);

export function isHubMessage(x: unknown): x is HubMessage {
  return (
    isObj(x) &&
    isNum(x.seq) &&
    isNum(x.ts) &&
    typeof x.topic === 'string' &&
    (x.device === null || typeof x.device === 'string') &&
    isKind(x.kind) &&
    'data' in x &&
    (x.props === undefined || isObj(x.props))
  );
}

/** Parses JSON text, returning undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The messages of a poll body (`{messages, next}`), keeping only well-formed ones. */
export function pollMessages(body: unknown): { messages: HubMessage[]; next: number | null; reset: boolean } {
  if (!isObj(body)) return { messages: [], next: null, reset: false };
  const list = Array.isArray(body.messages) ? body.messages.filter(isHubMessage) : [];
  return { messages: list, next: isNum(body.next) ? body.next : null, reset: body.reset === true };
}

/** A registry entry from `GET /api/devices`, with every field checked; null when it is not one. */
export function toDeviceView(x: unknown): DeviceView | null {
  if (!isObj(x) || typeof x.id !== 'string') return null;
  const metrics: DeviceView['metrics'] = {};
  if (isObj(x.metrics)) {
    for (const [name, m] of Object.entries(x.metrics)) {
      if (isObj(m) && isNum(m.value) && isNum(m.ts)) metrics[name] = { value: m.value, ts: m.ts };
    }
  }
  return {
    id: x.id,
    firstSeen: isNum(x.firstSeen) ? x.firstSeen : 0,
    lastSeen: isNum(x.lastSeen) ? x.lastSeen : 0,
    online: x.online === true,
    model: typeof x.model === 'string' ? x.model : null,
    fw: typeof x.fw === 'string' ? x.fw : null,
    metrics,
    led: ledOf(x.led),
    ports: portsOf(x.ports),
    source: typeof x.source === 'string' ? x.source : 'native',
    units: isObj(x.units) ? Object.fromEntries(Object.entries(x.units).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
    problems: Array.isArray(x.problems) ? x.problems.filter((p): p is string => typeof p === 'string') : [],
  };
}

/**
 * An alert from `GET /api/alerts`, or from an `alert` message's data (which names its id
 * `alert`), with every field checked; null when it is not one.
 */
export function toAlertView(x: unknown): AlertView | null {
  if (!isObj(x)) return null;
  const id = typeof x.id === 'string' ? x.id : x.alert;
  if (typeof id !== 'string' || typeof x.rule !== 'string' || typeof x.name !== 'string' || typeof x.device !== 'string' || !isNum(x.since)) return null;
  if (!(ALERT_STATES as readonly unknown[]).includes(x.state) || !(SEVERITIES as readonly unknown[]).includes(x.severity)) return null;
  const ack = isObj(x.ack) && typeof x.ack.by === 'string' && isNum(x.ack.at) ? { by: x.ack.by, at: x.ack.at } : null;
  return {
    id,
    rule: x.rule,
    name: x.name,
    device: x.device,
    state: x.state as AlertView['state'],
    value: (x.value ?? null) as Json,
    severity: x.severity as AlertView['severity'],
    since: x.since,
    resolved: isNum(x.resolved) ? x.resolved : null,
    ack,
  };
}

const COMMAND_STATES: readonly string[] = ['pending', 'acked', 'failed', 'timeout'];

/** A command from `GET /api/commands`, with every field checked; null when it is not one. */
export function toCommandView(x: unknown): CommandView | null {
  if (!isObj(x) || typeof x.id !== 'string' || typeof x.device !== 'string' || typeof x.name !== 'string' || !isNum(x.created)) return null;
  if (typeof x.status !== 'string' || !COMMAND_STATES.includes(x.status)) return null;
  return {
    id: x.id,
    device: x.device,
    name: x.name,
    args: (x.args ?? null) as Json,
    status: x.status as CommandView['status'],
    created: x.created,
    settled: isNum(x.settled) ? x.settled : null,
    result: (x.result ?? null) as Json,
    error: typeof x.error === 'string' ? x.error : null,
  };
}

/** A list body that is either a bare array or `{<key>: [...]}`. */
export function listOf(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (isObj(body) && Array.isArray(body[key])) return body[key] as unknown[];
  return [];
}

/** Field access on message data without casts at every call site. */
export function field(data: Json, name: string): Json | undefined {
  return isObj(data) ? (data as Record<string, Json>)[name] : undefined;
}

export const numberField = (data: Json, name: string): number | null => {
  const v = field(data, name);
  return isNum(v) ? v : null;
};

export const stringField = (data: Json, name: string): string | null => {
  const v = field(data, name);
  return typeof v === 'string' ? v : null;
};
