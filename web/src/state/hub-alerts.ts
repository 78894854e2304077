/**
 * The alerts firing on the hub, as the dashboard knows them: loaded from `GET /api/alerts`,
 * then kept current by `alert` messages (firing, acknowledged, resolved). Rules live on the
 * hub, so every browser sees the same alerts, with or without a tab open when they fired.
 * Pure, unit-tested in Node.
 */
import type { AlertView } from '../../../protocol/alerts.js';
import type { HubMessage } from '../../../protocol/message.js';
import { toAlertView } from '../net/message-guard.js';

export type AlertChange = 'fired' | 'acked' | 'resolved';

export interface AlertUpdate {
  change: AlertChange;
  alert: AlertView;
}

export class HubAlerts {
  private readonly byId = new Map<string, AlertView>();

  /** Replaces what is known with the hub's list of firing alerts. */
  load(firing: readonly AlertView[]): void {
    this.byId.clear();
    for (const a of firing) if (a.state === 'firing') this.byId.set(a.id, a);
  }

  /** Applies an `alert` message; null for other messages and for ones that change nothing. */
  apply(msg: HubMessage): AlertUpdate | null {
    if (msg.kind !== 'alert') return null;
    const alert = toAlertView(msg.data);
    if (!alert) return null;
    const known = this.byId.get(alert.id);
    if (alert.state === 'resolved') {
      if (!known) return null;
      this.byId.delete(alert.id);
      return { change: 'resolved', alert };
    }
    this.byId.set(alert.id, alert);
    if (!known) return { change: 'fired', alert };
    return alert.ack && !known.ack ? { change: 'acked', alert } : null;
  }

  /** Newest first. */
  firing(device?: string): AlertView[] {
    return [...this.byId.values()].filter((a) => device === undefined || a.device === device).sort((a, b) => b.since - a.since);
  }
}
