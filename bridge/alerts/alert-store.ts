/**
 * Alert rules and alerts in SQLite (part `alerts`): rules with their webhook secrets, and one
 * row per alert (a firing, kept through its acknowledgement and resolution). Each write is one
 * short statement; alerts change rarely, so they need no group commit.
 */
import type { AlertRuleView, AlertState, AlertView } from '../../protocol/alerts.js';
import { migrate, type Db } from '../../storage/database.js';
import type { RowPages } from '../history/row-pages.js';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE alert_rules (id TEXT PRIMARY KEY, created INTEGER NOT NULL, view TEXT NOT NULL, secret TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE alert_log (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    device TEXT NOT NULL,
    state TEXT NOT NULL,
    since INTEGER NOT NULL,
    resolved INTEGER,
    view TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX alert_log_by_since ON alert_log (since, id);
  CREATE INDEX alert_log_by_device ON alert_log (device, since);
  CREATE INDEX alert_log_by_state ON alert_log (state, since);
  `,
];

export interface AlertQuery {
  state?: AlertState;
  device?: string;
  /** ms since epoch on `since`, [from, to) */
  from?: number;
  to?: number;
  limit: number;
}

export interface AlertStore {
  rules(): AlertRuleView[];
  secret(rule: string): string | undefined;
  addRule(rule: AlertRuleView, secret: string): void;
  /** False when there was no such rule. */
  removeRule(id: string): boolean;
  saveAlert(alert: AlertView): void;
  alert(id: string): AlertView | undefined;
  /** Newest first. */
  alerts(q: AlertQuery): AlertView[];
  /** Every alert still firing, for the engine to start from. */
  firing(): AlertView[];
  /** Alerts whose firing began in [from, to), oldest first, page by page (export). */
  pages(from: number, to: number, device?: string): RowPages<AlertView>;
  /** Deletes up to `max` alerts resolved before `before`; returns how many. */
  prune(before: number, max: number): number;
}

export function createAlertStore(db: Db): AlertStore {
  migrate(db, 'alerts', MIGRATIONS);
  const allRules = db.prepare('SELECT view FROM alert_rules ORDER BY created, id').pluck();
  const readSecret = db.prepare('SELECT secret FROM alert_rules WHERE id = ?').pluck();
  const insertRule = db.prepare('INSERT INTO alert_rules (id, created, view, secret) VALUES (?, ?, ?, ?)');
  const deleteRule = db.prepare('DELETE FROM alert_rules WHERE id = ?');
  const upsertAlert = db.prepare(
    `INSERT INTO alert_log (id, rule, device, state, since, resolved, view) VALUES (@id, @rule, @device, @state, @since, @resolved, @view)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved = excluded.resolved, view = excluded.view`,
  );
  const readAlert = db.prepare('SELECT view FROM alert_log WHERE id = ?').pluck();
  const listAlerts = db.prepare(
    `SELECT view FROM alert_log WHERE (@state IS NULL OR state = @state) AND (@device IS NULL OR device = @device) AND since >= @from AND since < @to
     ORDER BY since DESC, id DESC LIMIT @limit`,
  ).pluck();
  const firingAlerts = db.prepare("SELECT view FROM alert_log WHERE state = 'firing'").pluck();
  const page = db.prepare(
    `SELECT view, since, id FROM alert_log WHERE (@device IS NULL OR device = @device) AND (since, id) > (@since, @id) AND since < @to ORDER BY since, id LIMIT @limit`,
  );
  const pruneResolved = db.prepare('DELETE FROM alert_log WHERE id IN (SELECT id FROM alert_log WHERE resolved IS NOT NULL AND resolved < ? LIMIT ?)');
  const parse = <T>(views: unknown[]): T[] => (views as string[]).map((v) => JSON.parse(v) as T);

  return {
    rules: () => parse<AlertRuleView>(allRules.all()),
    secret: (rule) => readSecret.get(rule) as string | undefined,
    addRule(rule, secret) {
      insertRule.run(rule.id, rule.created, JSON.stringify(rule), secret);
    },
    removeRule: (id) => deleteRule.run(id).changes > 0,
    saveAlert(a) {
      upsertAlert.run({ id: a.id, rule: a.rule, device: a.device, state: a.state, since: a.since, resolved: a.resolved, view: JSON.stringify(a) });
    },
    alert(id) {
      const view = readAlert.get(id) as string | undefined;
      return view === undefined ? undefined : (JSON.parse(view) as AlertView);
    },
    alerts: (q) => parse<AlertView>(listAlerts.all({ state: q.state ?? null, device: q.device ?? null, from: q.from ?? 0, to: q.to ?? Number.MAX_SAFE_INTEGER, limit: q.limit })),
    firing: () => parse<AlertView>(firingAlerts.all()),
    pages(from, to, device) {
      const cursor = { since: from, id: '' };
      let done = false;
      return {
        next(limit) {
          if (done) return [];
          const rows = page.all({ device: device ?? null, ...cursor, to, limit }) as { view: string; since: number; id: string }[];
          const last = rows[rows.length - 1];
          if (!last || rows.length < limit) done = true;
          if (last) Object.assign(cursor, { since: last.since, id: last.id });
          return rows.map((r) => JSON.parse(r.view) as AlertView);
        },
      };
    },
    prune: (before, max) => pruneResolved.run(before, max).changes,
  };
}
