/**
 * Alerts on the hub, as one part with a narrow interface: it consumes applied messages (APPLY's
 * `evaluate alerts` step) and submits alert messages for sequencing (`submit`); everything else —
 * rules, alerts, webhooks, routes — stays inside.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AlertTarget } from '../../protocol/alerts.js';
import type { Route } from '../../http/router.js';
import type { Access } from '../access/access.js';
import type { ApplyPipeline } from '../ingest/apply.js';
import type { MessageEntry } from '../ingest/sequencer.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import { createAlertEngine } from './alert-engine.js';
import { alertRoutes } from './alert-routes.js';
import type { AlertStore } from './alert-store.js';
import { createWebhookSender } from './webhook-sender.js';

export { createAlertStore, type AlertStore } from './alert-store.js';

export interface AlertsOptions {
  store: AlertStore;
  registry: Pick<DeviceRegistry, 'get' | 'list'>;
  /** The part subscribes to APPLY's `evaluate alerts` step: every recorded message, alert messages included. */
  applied: Pick<ApplyPipeline, 'on'>;
  submit(entry: MessageEntry): Promise<void>;
  /** True on the one node that evaluates rules (see alert-engine.ts). */
  evaluates(): boolean;
  /** Whether webhooks may reach loopback and private addresses. */
  allowPrivateWebhooks: boolean;
  maxBodyBytes: number;
  /** ms between duration checks; default 1000. */
  tickMs?: number;
  metrics: Registry;
  logger: Logger;
}

export interface Alerts {
  routes(access: Access): Route[];
  close(): void;
}

/** Resolved alerts are kept this long (as events are). */
const KEEP_MS = 30 * 86_400_000;

export function createAlerts(o: AlertsOptions): Alerts {
  const webhooks = createWebhookSender({ allowInward: o.allowPrivateWebhooks, metrics: o.metrics, logger: o.logger });
  const engine = createAlertEngine({
    store: o.store,
    registry: o.registry,
    submit: o.submit,
    evaluates: o.evaluates,
    onChange(msg, rule) {
      const secret = rule.webhook === null ? undefined : o.store.secret(rule.id);
      if (rule.webhook !== null && secret !== undefined) webhooks.send({ url: rule.webhook, secret, body: JSON.stringify(msg) });
    },
    tickMs: o.tickMs ?? 1_000,
    keepMs: KEEP_MS,
    logger: o.logger,
  });
  const knownMetric = (metric: string, t: AlertTarget): boolean => {
    const devices = t.devices !== null ? t.devices.map((id) => o.registry.get(id)) : o.registry.list().filter((d) => t.model === null || d.model === t.model);
    return devices.some((d) => d !== undefined && metric in d.metrics);
  };
  o.applied.on('evaluate alerts', (msg) => engine.apply(msg));
  return {
    routes: (access) => alertRoutes({ store: o.store, engine, webhooks, access, context: { knownMetric, allowPrivateWebhooks: o.allowPrivateWebhooks }, maxBodyBytes: o.maxBodyBytes }),
    close() {
      engine.close();
      webhooks.close();
    },
  };
}
