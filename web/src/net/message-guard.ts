/**
 * Checks on what arrives from the network before the page uses it: a hub bug or a proxy
 * mangling a frame must never throw inside a render loop. Pure, so it is unit-tested in Node.
 */
import { ledOf, portsOf } from '../../../protocol/device-view.js';
import { MESSAGE_KINDS, type HubMessage, type MessageKind, type Json, type DeviceView } from '../../../protocol/message.js';

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
    'data' in x
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
