/**
 * The dashboard against a real hub and fleet in real Chromium: it loads under its CSP, lists
 * the fleet, and a reading published over MQTT shows in the overview and on the device chart.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, stopAll, type TestHub } from '../support/hub.js';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type WatchedPage } from './browser.js';

const FLEET = 6;

describe('dashboard', () => {
  let hub: TestHub;
  let browser: Browser;
  let device: MqttClient;
  let view: WatchedPage;

  beforeAll(async () => {
    await ensureWebBuilt();
    hub = await startHub({ fleet: FLEET });
    await hub.fleet?.ready();
    browser = await launchBrowser();
    device = await mqtt.connectAsync(hub.mqttUrl, { protocolVersion: 4, clientId: 'probe-1' });
    view = await openPage(browser);
  });

  afterAll(async () => {
    await view?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await device?.endAsync(true).catch(() => undefined);
    await stopAll();
  });

  it('loads under a CSP without inline script and lists every device of the fleet', async () => {
    const { page, problems } = view;
    const res = await page.goto(`${hub.httpUrl}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    const ids = (hub.fleet?.devices ?? []).map((d) => d.id);
    expect(ids).toHaveLength(FLEET);
    await page.locator('.fleet-canvas .fleet-row:not([hidden])').nth(FLEET - 1).waitFor();
    const shown = await page.locator('.fleet-canvas .fleet-row:not([hidden]) .device-link').allTextContents();
    expect(shown.sort()).toEqual([...ids].sort());
    await page.locator('.link-status[data-state="live"]').waitFor();
    // Every fleet device reports online on the page, as the registry says.
    await expect.poll(() => page.locator('.fleet-canvas .dot.is-online').count(), { timeout: 10_000 }).toBe(FLEET);
    await screenshot(page, 'dashboard-overview');
    expect(problems).toEqual([]);
  });

  it('shows a reading published with mqtt in the overview row and on the device chart', async () => {
    const { page, problems } = view;
    await device.publishAsync('devices/probe-1/status', JSON.stringify({ online: true, model: 'thermo-probe', fw: '0.1.0' }), { qos: 1, retain: true });
    await device.publishAsync('devices/probe-1/telemetry', JSON.stringify({ temperature: 33.3 }), { qos: 1 });
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: 'probe-1' }) });
    await row.locator('.c-temp', { hasText: '33.3' }).waitFor();
    expect(await row.locator('.model').textContent()).toBe('thermo-probe');

    await row.locator('.device-link').click();
    await page.locator('h1', { hasText: 'probe-1' }).waitFor();
    const chart = page.locator('figure.chart[data-metric="temperature"]');
    await chart.waitFor();
    await chart.locator('summary').click();
    // Published after the page opened: this one comes over the live stream, the first from history.
    await device.publishAsync('devices/probe-1/telemetry', JSON.stringify({ temperature: 44.4 }), { qos: 1 });
    await chart.locator('tbody td', { hasText: '44.4' }).first().waitFor();
    // Both readings, each once: no gap and no duplicate where the backfill meets the stream.
    const readings = async (): Promise<number> => (await chart.locator('tbody tr td:last-child').allTextContents()).reduce((n, c) => n + Number(c), 0);
    await expect.poll(readings, { timeout: 10_000 }).toBe(2);
    const mins = await chart.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(mins.some((t) => t.startsWith('33.3'))).toBe(true);
    await screenshot(page, 'dashboard-device');
    expect(problems).toEqual([]);
  });
});
