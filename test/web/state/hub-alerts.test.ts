import { describe, expect, it } from 'vitest';
import type { AlertView } from '../../../protocol/alerts.js';
import type { HubMessage, Json } from '../../../protocol/message.js';
import { HubAlerts } from '../../../web/src/state/hub-alerts.js';

let seq = 0;
const data = (over: Record<string, Json> = {}): Json => ({ alert: 'a1', rule: 'r1', name: 'hot', device: 'd1', state: 'firing', value: 31, severity: 'warning', since: 100, resolved: null, ack: null, ...over });
const msg = (d: Json): HubMessage => ({ seq: ++seq, ts: 1000, topic: 'alerts/r1/d1', device: 'd1', kind: 'alert', data: d });

describe('HubAlerts', () => {
  it('follows an alert from firing through its acknowledgement to resolved', () => {
    const alerts = new HubAlerts();
    expect(alerts.apply(msg(data()))?.change).toBe('fired');
    expect(alerts.firing('d1').map((a) => a.id)).toEqual(['a1']);
    expect(alerts.firing('d2')).toEqual([]);
    expect(alerts.apply(msg(data({ ack: { by: 'ada', at: 5 } })))).toMatchObject({ change: 'acked', alert: { ack: { by: 'ada', at: 5 } } });
    expect(alerts.apply(msg(data({ ack: { by: 'ada', at: 5 } })))).toBe(null);
    expect(alerts.apply(msg(data({ state: 'resolved', resolved: 9 })))).toMatchObject({ change: 'resolved' });
    expect(alerts.firing()).toEqual([]);
    expect(alerts.apply(msg(data({ state: 'resolved', resolved: 9 })))).toBe(null);
  });

  it('starts from the hub’s list, newest first, and ignores malformed or other messages', () => {
    const alerts = new HubAlerts();
    const view = (id: string, since: number): AlertView => ({ id, rule: 'r', name: 'n', device: 'd1', state: 'firing', value: null, severity: 'info', since, resolved: null, ack: null });
    alerts.load([view('old', 1), view('new', 2), { ...view('done', 3), state: 'resolved' }]);
    expect(alerts.firing().map((a) => a.id)).toEqual(['new', 'old']);
    expect(alerts.apply(msg({ alert: 'x' }))).toBe(null);
    expect(alerts.apply({ ...msg(data()), kind: 'event' })).toBe(null);
  });
});
