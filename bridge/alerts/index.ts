/**
 * Alerts on the hub, as one part with a narrow interface: it consumes applied messages (APPLY's
 * `evaluate alerts` step) and has alert messages sequenced (`sequencer`: changes proposed, acks
 * submitted); rules come and go through a rule book (`rules`, shared in a cluster); everything
 * else — alerts, webhooks, routes — stays inside.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AlertTarget } from '../../protocol/alerts.js';
import type { Route } from '../../http/router.js';
import type { Access } from '../access/access.js';
import type { ApplyPipeline } from '../ingest/apply.js';
import type { Sequencer } from '../ingest/sequencer.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import { createAlertEngine } from './alert-engine.js';
import { alertRoutes } from './alert-routes.js';
import type { AlertStore } from './alert-store.js';
import { type LocalRules, type RuleBookFactory, localRuleBook } from './rule-book.js';
import { createWebhookSender } from './webhook-sender.js';

export { createAlertStore, type AlertStore } from './alert-store.js';
export type { RuleBookFactory } from './rule-book.js';

export interface AlertsOptions {
  store: AlertStore;
  registry: Pick<DeviceRegistry, 'get' | 'list'>;
  /** The part subscribes to APPLY's `evaluate alerts` step: every recorded message, alert messages included. */
  applied: Pick<ApplyPipeline, 'on'>;
  /** Alert messages are sequenced here: acknowledgements submitted, firings and resolutions proposed (alert-engine.ts). */
  sequencer: Pick<Sequencer, 'submit' | 'propose' | 'lastSeq'>;
  /** Where rules are made and removed; default: this node alone (localRuleBook). */
  rules?: RuleBookFactory;
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
  const { sequencer } = o;
  const engine = createAlertEngine({
    store: o.store,
    registry: o.registry,
    // Lazy: an acknowledgement is answered at once, not after the disk (alert-engine.ts ack).
    submit: (entry) => sequencer.submit(entry, null, true),
    propose: (entry, guard) => sequencer.propose(entry, guard),
    lastSeq: () => sequencer.lastSeq(),
    onSequenced(msg, rule) {
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
  const local: LocalRules = {
    list: () => o.store.rules().map((rule) => ({ rule, secret: o.store.secret(rule.id) ?? '' })),
    has: (id) => o.store.secret(id) !== undefined,
    add({ rule, secret }) {
      if (o.store.secret(rule.id) !== undefined) return;
      o.store.addRule(rule, secret);
      engine.addRule(rule);
    },
    remove(id) {
      if (!o.store.removeRule(id)) return false;
      engine.removeRule(id);
      return true;
    },
  };
  const book = (o.rules ?? localRuleBook)(local);
  return {
    routes: (access) => alertRoutes({ store: o.store, book, engine, webhooks, access, context: { knownMetric, allowPrivateWebhooks: o.allowPrivateWebhooks }, maxBodyBytes: o.maxBodyBytes }),
    close() {
      book.close();
      engine.close();
      webhooks.close();
    },
  };
}
