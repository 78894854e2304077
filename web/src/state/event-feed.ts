/**
 * The live feed of things worth a glance: hot-plug, power sags and surges, rejected payloads,
 * devices coming and going, alerts. Strings in items come from devices and are only ever
 * rendered as text. Pure, unit-tested in Node.
 */
import type { HubMessage, Json } from '../../../protocol/message.js';
import { numberField, stringField, toAlertView } from '../net/message-guard.js';

export type FeedCategory = 'hotplug' | 'power' | 'reject' | 'status' | 'alert' | 'firmware' | 'other';
export type Severity = 'info' | 'warn' | 'error';

export interface FeedItem {
  /** Unique within the feed: the message seq. */
  key: string;
  /** Hub time, ms since epoch. */
  ts: number;
  device: string | null;
  category: FeedCategory;
  severity: Severity;
  title: string;
  detail: string;
}

/** Longest text shown from one device string; the rest is cut so one payload cannot flood the page. */
export const MAX_TEXT = 160;
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

/** `key value · key value` for the fields of an event other than the ones named and the device's own `ts`. */
export function fieldsText(data: Json, skip: readonly string[]): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return clip(JSON.stringify(data));
  const parts = Object.entries(data)
    .filter(([k]) => k !== 'ts' && !skip.includes(k))
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return clip(parts.join(' · '));
}

/** The feed item for a message, or null for messages the feed does not show. */
export function feedItemOf(msg: HubMessage): FeedItem | null {
  const base = { key: String(msg.seq), ts: msg.ts, device: msg.device };
  if (msg.kind === 'reject') {
    return { ...base, category: 'reject', severity: 'error', title: 'Payload rejected', detail: clip(stringField(msg.data, 'reason') ?? fieldsText(msg.data, [])) };
  }
  if (msg.kind === 'alert') return alertItem(msg);
  if (msg.kind !== 'event') return null;
  const type = stringField(msg.data, 'type') ?? 'event';
  switch (type) {
    case 'hotplug': {
      const action = stringField(msg.data, 'action') === 'detached' ? 'detached from' : 'attached to';
      const peripheral = clip(stringField(msg.data, 'peripheral') ?? 'peripheral');
      return { ...base, category: 'hotplug', severity: 'info', title: `${peripheral} ${action} port ${numberField(msg.data, 'port') ?? '?'}`, detail: '' };
    }
    case 'sag':
    case 'surge':
      return { ...base, category: 'power', severity: 'warn', title: type === 'sag' ? 'Voltage sag' : 'Voltage surge', detail: fieldsText(msg.data, ['type']) };
    case 'progress': {
      const percent = numberField(msg.data, 'percent');
      if (percent === null || percent < 100) return null;
      return { ...base, category: 'firmware', severity: 'info', title: 'Firmware update finished', detail: fieldsText(msg.data, ['type', 'percent']) };
    }
    default:
      return { ...base, category: 'other', severity: 'info', title: clip(type), detail: fieldsText(msg.data, ['type']) };
  }
}

export function statusItem(msg: HubMessage, online: boolean): FeedItem {
  return { key: String(msg.seq), ts: msg.ts, device: msg.device, category: 'status', severity: online ? 'info' : 'warn', title: online ? 'Came online' : 'Went offline', detail: '' };
}

/** An alert firing or resolving (an acknowledgement is not news in the feed). */
function alertItem(msg: HubMessage): FeedItem | null {
  const alert = toAlertView(msg.data);
  if (!alert || (alert.state === 'firing' && alert.ack)) return null;
  const fired = alert.state === 'firing';
  const value = alert.value === null ? '' : ` · value ${clip(typeof alert.value === 'object' ? JSON.stringify(alert.value) : String(alert.value))}`;
  return {
    key: String(msg.seq),
    ts: msg.ts,
    device: alert.device,
    category: 'alert',
    severity: fired ? (alert.severity === 'info' ? 'warn' : 'error') : 'info',
    title: `${fired ? 'Alert' : 'Resolved'}: ${clip(alert.name)}`,
    detail: `${alert.severity}${value}`,
  };
}

/** A bounded, newest-first list of feed items. */
export class EventFeed {
  private items: FeedItem[] = [];
  private readonly keys = new Set<string>();

  constructor(private readonly limit = 500) {}

  /** Adds an item in time order unless one with the same key is there; returns whether it was added. */
  add(item: FeedItem): boolean {
    if (this.keys.has(item.key)) return false;
    let i = 0;
    // Live items are the newest, so this stops at once; stored ones loaded later walk further.
    while (i < this.items.length && (this.items[i] as FeedItem).ts > item.ts) i++;
    if (i >= this.limit) return false;
    this.items.splice(i, 0, item);
    this.keys.add(item.key);
    while (this.items.length > this.limit) this.keys.delete((this.items.pop() as FeedItem).key);
    return true;
  }

  list(): readonly FeedItem[] {
    return this.items;
  }
}
