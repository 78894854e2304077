/**
 * Webhook delivery: each alert change is POSTed as its message JSON, signed with the rule's
 * secret (`X-Fleetwire-Signature: sha256=<hex HMAC-SHA256 of the body>`, shared/CONTRACT.md
 * "Alerts"). Deliveries wait in a bounded queue and run a few at a time, off the ingest path:
 * a hanging or failing receiver only ever costs its own slot. A delivery is tried `attempts`
 * times with exponential backoff and full jitter; one that never succeeds, or finds the queue
 * full, is a dead letter (counted on /metrics and logged).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { SIGNATURE_HEADER } from '../../protocol/alerts.js';
import { guardedLookup } from './webhook-target.js';

export interface WebhookOptions {
  /** Whether receivers may be on loopback or private addresses. */
  allowInward: boolean;
  /** Deliveries waiting at once; more are dead letters. */
  maxQueue?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Tries per delivery. */
  attempts?: number;
  /** ms before the first retry; each later one waits up to twice as long. */
  backoffMs?: number;
  /** ms one try may take, connection to last byte. */
  timeoutMs?: number;
  metrics: Registry;
  logger: Logger;
}

export interface Delivery {
  url: string;
  secret: string;
  /** The JSON body, exactly as signed. */
  body: string;
}

export type TryResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export interface WebhookSender {
  /** Queues a delivery; never blocks and never throws. */
  send(d: Delivery): void;
  /** One try now, for the test endpoint. */
  tryOnce(d: Delivery): Promise<TryResult>;
  close(): void;
}

export const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export function createWebhookSender(o: WebhookOptions): WebhookSender {
  const maxQueue = o.maxQueue ?? 1_000;
  const concurrency = o.concurrency ?? 4;
  const attempts = o.attempts ?? 5;
  const backoffMs = o.backoffMs ?? 1_000;
  const timeoutMs = o.timeoutMs ?? 5_000;
  const log = o.logger.child({ part: 'webhooks' });
  const registers = [o.metrics];
  const tries = new Counter({ name: 'fleetwire_alert_webhook_tries_total', help: 'Webhook tries, by outcome', labelNames: ['outcome'], registers });
  const deadLetters = new Counter({ name: 'fleetwire_alert_webhook_dead_letters_total', help: 'Webhook deliveries given up (every try failed, or the queue was full)', registers });
  const lookup = guardedLookup(o.allowInward);
  const queue: { d: Delivery; attempt: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let running = 0;
  let closed = false;

  const tryOnce = (d: Delivery): Promise<TryResult> =>
    new Promise((resolve) => {
      const url = new URL(d.url);
      const request = url.protocol === 'https:' ? https.request : http.request;
      const req = request(url, {
        method: 'POST',
        lookup,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(d.body), 'user-agent': 'fleetwire-webhook', [SIGNATURE_HEADER]: sign(d.secret, d.body) },
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('response', (res) => {
        res.resume(); // the answer's body is not used; read it so the socket is freed
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `answered ${status}` });
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, status: null, error: err.message });
      });
      req.end(d.body);
    });

  const pump = (): void => {
    while (!closed && running < concurrency && queue.length > 0) {
      const job = queue.shift() as { d: Delivery; attempt: number };
      running++;
      void tryOnce(job.d).then((result) => {
        running--;
        tries.inc({ outcome: result.ok ? 'ok' : 'failed' });
        if (!result.ok) retry(job, result.error);
        pump();
      });
    }
  };

  const retry = (job: { d: Delivery; attempt: number }, error: string): void => {
    if (closed) return;
    if (job.attempt + 1 >= attempts) {
      deadLetters.inc();
      log.warn({ url: job.d.url, attempts, error }, 'webhook given up');
      return;
    }
    const wait = Math.random() * backoffMs * 2 ** job.attempt;
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue({ d: job.d, attempt: job.attempt + 1 });
    }, wait);
    timer.unref();
    timers.add(timer);
  };

  const enqueue = (job: { d: Delivery; attempt: number }): void => {
    if (queue.length >= maxQueue) {
      deadLetters.inc();
      log.warn({ url: job.d.url, maxQueue }, 'webhook queue is full: delivery dropped');
      return;
    }
    queue.push(job);
    pump();
  };

  return {
    send: (d) => (closed ? undefined : enqueue({ d, attempt: 0 })),
    tryOnce,
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      queue.length = 0;
    },
  };
}
