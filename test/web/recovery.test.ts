/**
 * A hub restart under an open device page: the page notices, reconnects by itself with
 * backoff, resumes from its last seq, and the chart holds every reading exactly once,
 * including those stored while the page was still cut off.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, stopAll, waitFor, type TestHub } from '../support/hub.js';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, unexpected, type WatchedPage } from './browser.js';

const DEVICE = 'blip-1';

/** Readings and their sum as the chart's table of buckets tells them (count and avg × count). */
async function chartTotals(page: Page): Promise<{ count: number; sum: number }> {
  const rows = page.locator('figure.chart[data-metric="temperature"] tbody tr');
  const avgs = await rows.locator('td:nth-child(2)').allTextContents();
  const counts = await rows.locator('td:nth-child(5)').allTextContents();
  return counts.reduce((acc, c, i) => ({ count: acc.count + Number(c), sum: acc.sum + Number.parseFloat(avgs[i] ?? '0') * Number(c) }), { count: 0, sum: 0 });
}

describe('recovery after a hub restart', () => {
  let hub: TestHub;
  let browser: Browser;
  let device: MqttClient;
  let view: WatchedPage;

  beforeAll(async () => {
    await ensureWebBuilt();
    hub = await startHub();
    browser = await launchBrowser();
    view = await openPage(browser);
    device = await mqtt.connectAsync(hub.mqttUrl, { protocolVersion: 4, clientId: DEVICE, reconnectPeriod: 200 });
  });

  afterAll(async () => {
    await view?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await device?.endAsync(true).catch(() => undefined);
    await stopAll();
  });

  const publish = async (...values: number[]): Promise<void> => {
    for (const temperature of values) await device.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify({ temperature }), { qos: 1 });
  };

  it('reconnects by itself and the chart has no gap and no duplicate', async () => {
    const { page, problems } = view;
    await device.publishAsync(`devices/${DEVICE}/status`, JSON.stringify({ online: true, model: 'thermo-1', fw: '1.0.0' }), { qos: 1, retain: true });
    await page.goto(`${hub.httpUrl}/#/device/${DEVICE}`);
    await page.locator('.link-status[data-state="live"]').waitFor();
    await publish(10);
    const chart = page.locator('figure.chart[data-metric="temperature"]');
    await chart.locator('summary').click();
    await publish(20, 30);
    await waitFor(async () => (await chartTotals(page)).count === 3, 10_000, 'the first readings on the chart');

    const httpPort = Number(new URL(hub.httpUrl).port);
    const mqttPort = Number(new URL(hub.mqttUrl).port);
    await hub.close();
    await page.locator('.link-status[data-state="retrying"]').waitFor();
    // Keep the page off the network while readings are stored, so they can only come by resuming.
    await page.context().setOffline(true);
    hub = await startHub({ dataDir: hub.dataDir, httpPort, mqttPort });
    await waitFor(() => device.connected, 15_000, 'the device to reconnect');
    await publish(40, 50, 60);
    await page.context().setOffline(false);
    await page.locator('.link-status[data-state="live"]').waitFor({ timeout: 20_000 });
    await publish(70, 80);

    await waitFor(async () => (await chartTotals(page)).count >= 8, 15_000, 'every reading on the chart');
    const totals = await chartTotals(page);
    expect(totals.count).toBe(8);
    expect(Math.abs(totals.sum - 360)).toBeLessThan(1);
    await screenshot(page, 'recovery-device');
    expect(unexpected(problems)).toEqual([]);
  }, 60_000);
});
