/** Liveness, readiness and Prometheus metrics. */
import type { Registry } from 'prom-client';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';

/** A named readiness check; every one must pass for /readyz to answer 200. */
export type ReadinessCheck = () => boolean;

export function healthRoutes(checks: Record<string, ReadinessCheck>, metrics: Registry): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: (_req, res) => {
        const results = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, safe(check)]));
        const ready = Object.values(results).every(Boolean);
        sendJson(res, ready ? 200 : 503, ready ? { status: 'ready', checks: results } : { error: 'not ready', checks: results });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        const text = await metrics.metrics();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      },
    },
  ];
}

function safe(check: ReadinessCheck): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
