/**
 * A hub restart under an open device page: the page notices, reconnects by itself with
 * backoff, resumes from its last seq, and the chart holds every reading exactly once,
 * including those stored while the page was still cut off.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startHub, waitFor } from '../support/hub.js';
import { screenshot, unexpected, withBrowserHub } from './browser.js';

const DEVICE = 'blip-1';

/** Readings and their sum as the chart's table of buckets tells them (count and avg × count). */
async function chartTotals(page: Page): Promise<{ count: number; sum: number }> {
  const rows = page.locator('figure.chart[data-metric="temperature"] tbody tr');
  const avgs = await rows.locator('td:nth-child(2)').allTextContents();
  const counts = await rows.locator('td:nth-child(5)').allTextContents();
  return counts.reduce((acc, c, i) => ({ count: acc.count + Number(c), sum: acc.sum + Number.parseFloat(avgs[i] ?? '0') * Number(c) }), { count: 0, sum: 0 });
}

describe('recovery after a hub restart', () => {
  const t = withBrowserHub({ devices: [DEVICE] });

  const publish = async (...values: number[]): Promise<void> => {
    for (const temperature of values) await t.devices[DEVICE]?.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify({ temperature }), { qos: 1 });
  };

  it('reconnects by itself and the chart has no gap and no duplicate', async () => {
    const { page, problems } = t.view;
    await t.devices[DEVICE]?.publishAsync(`devices/${DEVICE}/status`, JSON.stringify({ online: true, model: 'thermo-1', fw: '1.0.0' }), { qos: 1, retain: true });
    await page.goto(`${t.hub.httpUrl}/#/device/${DEVICE}`);
    await page.locator('.link-status[data-state="live"]').waitFor();
    await publish(10);
    const chart = page.locator('figure.chart[data-metric="temperature"]');
    await chart.locator('summary').click();
    await publish(20, 30);
    await waitFor(async () => (await chartTotals(page)).count === 3, 10_000, 'the first readings on the chart');

    const httpPort = Number(new URL(t.hub.httpUrl).port);
    const mqttPort = Number(new URL(t.hub.mqttUrl).port);
    await t.hub.close();
    await page.locator('.link-status[data-state="retrying"]').waitFor();
    // Keep the page off the network while readings are stored, so they can only come by resuming.
    await page.context().setOffline(true);
    t.hub = await startHub({ dataDir: t.hub.dataDir, httpPort, mqttPort });
    await waitFor(() => t.devices[DEVICE]?.connected, 15_000, 'the device to reconnect');
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

  it('starts over when the hub comes back with fresh data (its seq below the page’s cursor)', async () => {
    const { page, problems } = t.view;
    await page.goto(`${t.hub.httpUrl}/`);
    await page.locator('.link-status[data-state="live"]').waitFor();
    // Move the page's cursor well past what the fresh hub will number its first messages.
    await publish(...Array.from({ length: 30 }, (_, i) => i));
    await expect.poll(async () => Number((await page.locator('.link-seq').textContent())?.replace(/\D/g, '')), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    const httpPort = Number(new URL(t.hub.httpUrl).port);
    const mqttPort = Number(new URL(t.hub.mqttUrl).port);
    await t.hub.close();
    await page.locator('.link-status[data-state="retrying"]').waitFor();
    t.hub = await startHub({ httpPort, mqttPort });
    await waitFor(() => t.devices[DEVICE]?.connected, 15_000, 'the device to reconnect');
    await t.devices[DEVICE]?.publishAsync(`devices/${DEVICE}/status`, JSON.stringify({ online: true, model: 'thermo-1' }), { qos: 1, retain: true });
    await page.locator('.link-status[data-state="live"]').waitFor({ timeout: 20_000 });
    await publish(91.5);
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: DEVICE }) });
    await row.locator('.c-temp', { hasText: '91.5' }).waitFor({ timeout: 10_000 });
    expect(unexpected(problems)).toEqual([]);
  }, 60_000);
});
