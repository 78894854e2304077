/**
 * The alert routes (shared/CONTRACT.md "Alerts"): rules are made and removed by admins and
 * read by everyone with access; alerts are listed and acknowledged by anyone with access (a
 * viewer watching the wall screen is who acknowledges). A rule's webhook secret is shown once,
 * in the 201 answer.
 */
import { randomBytes } from 'node:crypto';
import { QueryParams } from '../../http/query-params.js';
import { readJsonBody, sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import { ALERT_STATES, type AlertRuleView, type AlertState } from '../../protocol/alerts.js';
import { isDeviceId } from '../../protocol/names.js';
import type { Access } from '../access/access.js';
import type { AlertEngine } from './alert-engine.js';
import type { AlertStore } from './alert-store.js';
import type { RuleBook } from './rule-book.js';
import { type RuleContext, parseRule } from './rule-parse.js';
import type { WebhookSender } from './webhook-sender.js';

export const MAX_RULES = 200;
const DEFAULT_ALERT_LIMIT = 100;
const MAX_ALERT_LIMIT = 1_000;

export interface AlertRouteDeps {
  store: AlertStore;
  /** Where rules are made and removed (on every node of a cluster). */
  book: RuleBook;
  engine: AlertEngine;
  webhooks: WebhookSender;
  access: Access;
  context: RuleContext;
  maxBodyBytes: number;
}

export function alertRoutes(d: AlertRouteDeps): Route[] {
  const { access } = d;
  return [
    {
      method: 'POST',
      path: '/api/alert-rules',
      handler: access.guard('admin', async (req, res, _params, _url, user) => {
        const body = await readJsonBody(req, d.maxBodyBytes);
        if (!body.ok) return sendError(res, body.code, body.error);
        const parsed = parseRule(body.value, d.context);
        if (!parsed.ok) return sendError(res, parsed.code, parsed.error);
        if (d.store.rules().length >= MAX_RULES) return sendError(res, 'too_many', `there are already ${MAX_RULES} rules; remove one first`);
        const rule: AlertRuleView = { id: `r-${randomBytes(6).toString('hex')}`, ...parsed.value, created: Date.now(), by: user.name };
        const secret = randomBytes(32).toString('hex');
        try {
          await d.book.add({ rule, secret });
        } catch (err) {
          return sendError(res, 'not_ready', `the rule was not made: ${err instanceof Error ? err.message : String(err)}`);
        }
        sendJson(res, 201, { ...rule, secret });
      }),
    },
    {
      method: 'GET',
      path: '/api/alert-rules',
      handler: access.guard('viewer', (_req, res) => sendJson(res, 200, { rules: d.store.rules() })),
    },
    {
      method: 'DELETE',
      path: '/api/alert-rules/:id',
      handler: access.guard('admin', async (_req, res, params) => {
        const id = params.id as string;
        let removed: boolean;
        try {
          removed = await d.book.remove(id);
        } catch (err) {
          return sendError(res, 'not_ready', `the rule was not removed: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (!removed) return sendError(res, 'not_found', `no rule "${id.slice(0, 80)}"`);
        res.writeHead(204).end();
      }),
    },
    {
      method: 'POST',
      path: '/api/alert-rules/:id/test',
      handler: access.guard('admin', async (_req, res, params) => {
        const id = params.id as string;
        const rule = d.store.rules().find((r) => r.id === id);
        const secret = d.store.secret(id);
        if (!rule || secret === undefined) return sendError(res, 'not_found', `no rule "${id.slice(0, 80)}"`);
        if (rule.webhook === null) return sendError(res, 'bad_param', 'this rule has no webhook');
        const now = Date.now();
        const sample = { seq: 0, ts: now, topic: `alerts/${rule.id}/test`, device: 'test', kind: 'alert', data: { alert: 'test', rule: rule.id, name: rule.name, device: 'test', state: 'firing', value: null, severity: rule.severity, since: now, resolved: null, ack: null, test: true } };
        const result = await d.webhooks.tryOnce({ url: rule.webhook, secret, body: JSON.stringify(sample) });
        sendJson(res, 200, result.ok ? { delivered: true, status: result.status } : { delivered: false, status: result.status, error: result.error });
      }),
    },
    {
      method: 'GET',
      path: '/api/alerts',
      handler: access.guard('viewer', (_req, res, _params, url) => {
        const q = new QueryParams(url);
        const state = q.text('state');
        const device = q.text('device');
        const from = q.int('from');
        const to = q.int('to');
        const limit = q.int('limit') ?? DEFAULT_ALERT_LIMIT;
        if (q.error) return sendError(res, 'bad_param', q.error);
        if (state !== undefined && !(ALERT_STATES as readonly string[]).includes(state)) return sendError(res, 'bad_param', `state must be ${ALERT_STATES.join(' or ')}`);
        if (device !== undefined && !isDeviceId(device)) return sendError(res, 'bad_device_id', 'device must be a device id');
        if (limit < 1 || limit > MAX_ALERT_LIMIT) return sendError(res, 'bad_param', `limit must be from 1 to ${MAX_ALERT_LIMIT}`);
        if (from !== undefined && to !== undefined && from >= to) return sendError(res, 'bad_param', 'from must be before to');
        sendJson(res, 200, { alerts: d.store.alerts({ state: state as AlertState | undefined, device, from, to, limit }) });
      }),
    },
    {
      method: 'POST',
      path: '/api/alerts/:id/ack',
      handler: access.guard('viewer', (_req, res, params, _url, user) => {
        const acked = d.engine.ack(params.id as string, user.name);
        if (!acked.ok) return sendError(res, acked.code, acked.error);
        sendJson(res, 200, acked.value);
      }),
    },
  ];
}
