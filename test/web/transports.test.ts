/**
 * Each transport the user can pick carries the dashboard: chosen from the header's picker,
 * the indicator names it and goes live, and a fresh reading reaches the overview through it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORT_KINDS, TRANSPORT_LABELS } from '../../web/src/net/transport-names.js';
import { startHub, stopAll, type TestHub } from '../support/hub.js';
import { ensureWebBuilt, launchBrowser, openPage, type WatchedPage } from './browser.js';

describe('transport choice', () => {
  let hub: TestHub;
  let browser: Browser;
  let device: MqttClient;
  let view: WatchedPage;

  beforeAll(async () => {
    await ensureWebBuilt();
    hub = await startHub();
    browser = await launchBrowser();
    device = await mqtt.connectAsync(hub.mqttUrl, { protocolVersion: 4, clientId: 'pick-1' });
    await device.publishAsync('devices/pick-1/status', JSON.stringify({ online: true, model: 'thermo-1' }), { qos: 1, retain: true });
    view = await openPage(browser);
    await view.page.goto(`${hub.httpUrl}/`);
  });

  afterAll(async () => {
    await view?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await device?.endAsync(true).catch(() => undefined);
    await stopAll();
  });

  it.each(TRANSPORT_KINDS.map((kind, i) => [kind, 50 + i] as const))('%s delivers live readings', async (kind, temperature) => {
    const { page, problems } = view;
    await page.getByRole('combobox', { name: 'Transport' }).selectOption(kind);
    const indicator = page.locator('.link-status');
    await expect.poll(() => indicator.getAttribute('aria-label'), { timeout: 10_000 }).toContain(`${TRANSPORT_LABELS[kind]}: Live`);
    await device.publishAsync('devices/pick-1/telemetry', JSON.stringify({ temperature }), { qos: 1 });
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: 'pick-1' }) });
    await row.locator('.c-temp', { hasText: `${temperature}` }).waitFor({ timeout: 10_000 });
    expect(await indicator.getAttribute('data-state')).toBe('live');
    expect(problems).toEqual([]);
  });

  it('remembers the choice and lets a link pick one with ?transport=', async () => {
    const { page } = view;
    await page.reload();
    expect(await page.getByRole('combobox', { name: 'Transport' }).inputValue()).toBe(TRANSPORT_KINDS[TRANSPORT_KINDS.length - 1]);
    await page.goto(`${hub.httpUrl}/?transport=ws`);
    expect(await page.getByRole('combobox', { name: 'Transport' }).inputValue()).toBe('ws');
    await page.locator('.link-status[data-state="live"]').waitFor();
  });
});
