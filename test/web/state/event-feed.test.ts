import { describe, expect, it } from 'vitest';
import type { HubMessage, Json, MessageKind } from '../../../protocol/message.js';
import { EventFeed, MAX_TEXT, feedItemOf, fieldsText, statusItem } from '../../../web/src/state/event-feed.js';

let seq = 0;
const msg = (kind: MessageKind, data: Json, ts = 1000): HubMessage => ({ seq: ++seq, ts, topic: 'devices/d1/events', device: 'd1', kind, data });

describe('feedItemOf', () => {
  it('describes hot-plug, power and reject messages', () => {
    expect(feedItemOf(msg('event', { type: 'hotplug', port: 2, action: 'attached', peripheral: 'camera' }))).toMatchObject({ category: 'hotplug', title: 'camera attached to port 2' });
    expect(feedItemOf(msg('event', { type: 'sag', voltage: 190, ts: 5 }))).toMatchObject({ category: 'power', severity: 'warn', title: 'Voltage sag', detail: 'voltage 190' });
    expect(feedItemOf(msg('reject', { code: 'bad_payload', reason: 'temperature is not a number', topic: 't', payload: 'x' }))).toMatchObject({ category: 'reject', severity: 'error', detail: 'temperature is not a number' });
  });

  it('keeps firmware progress out of the feed except when it finishes', () => {
    expect(feedItemOf(msg('event', { type: 'progress', job: 'j', percent: 40 }))).toBe(null);
    expect(feedItemOf(msg('event', { type: 'progress', job: 'j', percent: 100 }))).toMatchObject({ category: 'firmware' });
    expect(feedItemOf(msg('telemetry', { temperature: 1 }))).toBe(null);
  });

  it('cuts long device strings', () => {
    const item = feedItemOf(msg('event', { type: 'x'.repeat(1000) }));
    expect(item?.title.length).toBe(MAX_TEXT);
    expect(fieldsText({ a: 'y'.repeat(1000) }, []).length).toBe(MAX_TEXT);
  });

  it('describes status changes and alerts', () => {
    expect(statusItem(msg('status', { online: false }), false)).toMatchObject({ category: 'status', title: 'Went offline' });
    const alert = { alert: 'a1', rule: 'r1', name: 'hot', device: 'd1', state: 'firing', value: 41, severity: 'critical', since: 1, resolved: null, ack: null };
    const fired = feedItemOf({ ...msg('alert', alert, 5), topic: 'alerts/r1/d1' });
    expect(fired).toMatchObject({ category: 'alert', severity: 'error', device: 'd1', ts: 5, title: 'Alert: hot', detail: 'critical · value 41' });
    expect(feedItemOf({ ...msg('alert', { ...alert, ack: { by: 'ada', at: 6 } }), topic: 'alerts/r1/d1' })).toBe(null);
    expect(feedItemOf({ ...msg('alert', { ...alert, state: 'resolved', resolved: 7 }), topic: 'alerts/r1/d1' })).toMatchObject({ severity: 'info', title: 'Resolved: hot' });
    expect(feedItemOf({ ...msg('alert', { ...alert, severity: 'doom' }), topic: 'alerts/r1/d1' })).toBe(null);
  });
});

describe('EventFeed', () => {
  const item = (key: string, ts: number) => ({ key, ts, device: null, category: 'other' as const, severity: 'info' as const, title: key, detail: '' });

  it('keeps items newest first, drops repeats, and stays within its limit', () => {
    const feed = new EventFeed(3);
    expect(feed.add(item('a', 10))).toBe(true);
    expect(feed.add(item('b', 30))).toBe(true);
    expect(feed.add(item('c', 20))).toBe(true);
    expect(feed.add(item('b', 30))).toBe(false);
    expect(feed.list().map((i) => i.key)).toEqual(['b', 'c', 'a']);
    feed.add(item('d', 40));
    expect(feed.list().map((i) => i.key)).toEqual(['d', 'b', 'c']);
    expect(feed.add(item('old', 1))).toBe(false);
    expect(feed.add(item('a', 10))).toBe(false);
  });
});
