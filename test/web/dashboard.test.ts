/**
 * The dashboard against a real hub and fleet in real Chromium: it loads under its CSP, lists
 * the fleet, and a reading published over MQTT shows in the overview and on the device chart.
 */
import { describe, expect, it } from 'vitest';
import { screenshot, withBrowserHub } from './browser.js';

const FLEET = 6;

describe('dashboard', () => {
  const t = withBrowserHub({ hub: { fleet: FLEET }, devices: ['probe-1'] });

  it('loads under a CSP without inline script and lists every device of the fleet', async () => {
    const { page, problems } = t.view;
    const res = await page.goto(`${t.hub.httpUrl}/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    const ids = (t.hub.fleet?.devices ?? []).map((d) => d.id);
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
    const { page, problems } = t.view;
    await t.devices['probe-1']?.publishAsync('devices/probe-1/status', JSON.stringify({ online: true, model: 'thermo-probe', fw: '0.1.0' }), { qos: 1, retain: true });
    await t.devices['probe-1']?.publishAsync('devices/probe-1/telemetry', JSON.stringify({ temperature: 33.3 }), { qos: 1 });
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: 'probe-1' }) });
    await row.locator('.c-temp', { hasText: '33.3' }).waitFor();
    expect(await row.locator('.model').textContent()).toBe('thermo-probe');

    await row.locator('.device-link').click();
    await page.locator('h1', { hasText: 'probe-1' }).waitFor();
    const chart = page.locator('figure.chart[data-metric="temperature"]');
    await chart.waitFor();
    await chart.locator('summary').click();
    // Published after the page opened: this one comes over the live stream, the first from history.
    await t.devices['probe-1']?.publishAsync('devices/probe-1/telemetry', JSON.stringify({ temperature: 44.4 }), { qos: 1 });
    await chart.locator('tbody td', { hasText: '44.4' }).first().waitFor();
    // Both readings, each once: no gap and no duplicate where the backfill meets the stream.
    const readings = async (): Promise<number> => (await chart.locator('tbody tr td:last-child').allTextContents()).reduce((n, c) => n + Number(c), 0);
    await expect.poll(readings, { timeout: 10_000 }).toBe(2);
    const mins = await chart.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(mins.some((t) => t.startsWith('33.3'))).toBe(true);
    await screenshot(page, 'dashboard-device');
    expect(problems).toEqual([]);
  });

  it('asks the hub for a resolution that fits the range, and zooms by dragging', async () => {
    const { page, problems } = t.view;
    const stepOf = (url: string): number => Number(new URL(url).searchParams.get('step'));
    const wide = page.waitForRequest((r) => r.url().includes('/api/history?'));
    await page.getByRole('button', { name: '24 h' }).click();
    // 24 h over a chart of a few hundred pixels: 5-minute buckets, which the hub serves from rollups.
    expect(stepOf((await wide).url())).toBe(300_000);

    const plot = page.locator('figure.chart[data-metric="temperature"] .u-over');
    const box = await plot.boundingBox();
    if (!box) throw new Error('the chart has no plotting area');
    const narrow = page.waitForRequest((r) => r.url().includes('/api/history?'));
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = new URL((await narrow).url()).searchParams;
    expect(stepOf((await narrow).url())).toBeLessThan(300_000);
    expect(Number(zoomed.get('to')) - Number(zoomed.get('from'))).toBeLessThan(6 * 3_600_000);
    await page.getByRole('button', { name: 'Back to live' }).waitFor();
    expect(problems).toEqual([]);
  });
});
