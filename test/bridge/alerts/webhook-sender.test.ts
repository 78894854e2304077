/**
 * Webhook delivery against a real local HTTP server: signed bodies, retries with backoff on
 * 500 and on a receiver that hangs, a dead letter counted once every try has failed, and
 * targets refused when they point inward and that is not allowed.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { checkWebhookUrl, isInwardAddress } from '../../../bridge/alerts/webhook-target.js';
import { createWebhookSender, sign } from '../../../bridge/alerts/webhook-sender.js';
import { SIGNATURE_HEADER } from '../../../protocol/alerts.js';
import { waitFor } from '../../support/wait.js';
import { type WebhookReceiver, startReceiver } from './support.js';

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const deadLetters = async (metrics: Registry): Promise<number> => (await metrics.getSingleMetric('fleetwire_alert_webhook_dead_letters_total')?.get())?.values[0]?.value ?? 0;

function sender(allowInward: boolean, metrics = new Registry()) {
  return { metrics, webhooks: createWebhookSender({ allowInward, attempts: 3, backoffMs: 20, timeoutMs: 200, metrics, logger: pino({ level: 'silent' }) }) };
}

describe('webhook delivery', () => {
  it('posts the body signed with the secret', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { webhooks } = sender(true);
    webhooks.send({ url: r.url, secret: 's3cret', body: '{"kind":"alert"}' });
    await waitFor(() => r.received.length === 1);
    expect(r.received[0]?.body).toBe('{"kind":"alert"}');
    expect(r.received[0]?.headers[SIGNATURE_HEADER]).toBe(sign('s3cret', '{"kind":"alert"}'));
    expect(r.received[0]?.headers['content-type']).toBe('application/json');
    webhooks.close();
  });

  it.each([
    ['answers 500', 500],
    ['hangs', 'hang'],
  ] as const)('retries a receiver that %s, then counts a dead letter', async (_name, answer) => {
    const r = await startReceiver();
    receivers.push(r);
    r.answer = answer;
    const { webhooks, metrics } = sender(true);
    webhooks.send({ url: r.url, secret: 'k', body: '{}' });
    await waitFor(async () => (await deadLetters(metrics)) === 1, 10_000, 'dead letter');
    expect(r.received).toHaveLength(3);
    webhooks.close();
  });

  it('succeeds on a retry after a failure, with no dead letter', async () => {
    const r = await startReceiver();
    receivers.push(r);
    r.plan = [503];
    r.answer = 204;
    const { webhooks, metrics } = sender(true);
    const tries = metrics.getSingleMetric('fleetwire_alert_webhook_tries_total');
    webhooks.send({ url: r.url, secret: 'k', body: '{}' });
    await waitFor(async () => (await tries?.get())?.values.find((v) => v.labels.outcome === 'ok')?.value === 1, 10_000, 'delivered on retry');
    expect(r.received).toHaveLength(2);
    expect(await deadLetters(metrics)).toBe(0);
    webhooks.close();
  });

  it('refuses to connect inward when that is not allowed, even through a name', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { webhooks } = sender(false);
    const result = await webhooks.tryOnce({ url: r.url.replace('127.0.0.1', 'localhost'), secret: 'k', body: '{}' });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/loopback or private/) });
    expect(r.received).toHaveLength(0);
    webhooks.close();
  });
});

describe('webhook targets', () => {
  it.each([
    ['http://example.com/hook', true],
    ['https://example.com:8443/hook?token=x', true],
    ['ftp://example.com/', false],
    ['file:///etc/passwd', false],
    ['http://user:pw@example.com/', false],
    ['http://127.0.0.1:9000/', false],
    ['http://localhost/', false],
    ['http://10.1.2.3/', false],
    ['http://192.168.1.1/', false],
    ['http://[::1]/', false],
    ['http://169.254.169.254/latest/meta-data', false],
    ['not a url', false],
  ])('%s: allowed from a hub off loopback: %s', (url, allowed) => {
    expect(checkWebhookUrl(url, false).ok).toBe(allowed);
  });

  it('allows inward targets when told', () => {
    expect(checkWebhookUrl('http://127.0.0.1:9000/', true).ok).toBe(true);
    expect(checkWebhookUrl('ftp://127.0.0.1/', true).ok).toBe(false);
  });

  it.each([
    ['8.8.8.8', false],
    ['10.0.0.1', true],
    ['172.20.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['fd00::1', true],
    ['2001:4860:4860::8888', false],
  ])('%s is inward: %s', (address, inward) => {
    expect(isInwardAddress(address)).toBe(inward);
  });
});
