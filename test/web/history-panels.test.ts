/**
 * The device page's history from the hub: commands sent before the page opened are listed
 * with their states, the raw-reading retention that applies is shown, and each chart's "Download CSV" link downloads the raw readings of the
 * range shown, from real MQTT traffic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/hub.js';
import { screenshot, withBrowserHub } from './browser.js';

describe('the device page’s history', () => {
  const t = withBrowserHub({ devices: ['dl-1'] });

  it('lists earlier commands with their states and downloads a chart’s readings as CSV', async () => {
    const { page, problems } = t.view;
    const device = t.devices['dl-1'];
    if (!device) throw new Error('no device');
    await device.publishAsync('devices/dl-1/status', '{"online":true,"model":"diy-1"}', { retain: true, qos: 1 });
    const sent = [21.5, 22, 22.5, 23];
    for (const v of sent) await device.publishAsync('devices/dl-1/telemetry', JSON.stringify({ temperature: v }), { qos: 1 });
    await device.publishAsync('devices/dl-1/telemetry', '{"humidity":40}', { qos: 1 });
    const res = await fetch(`${t.hub.httpUrl}/api/devices/dl-1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'led', args: { state: 'on' } }) });
    const { id } = (await res.json()) as { id: string };
    await device.publishAsync('devices/dl-1/ack', JSON.stringify({ id, ok: true }), { qos: 1 });
    await waitFor(async () => ((await (await fetch(`${t.hub.httpUrl}/api/commands/${id}`)).json()) as { status: string }).status === 'acked');

    const put = await fetch(`${t.hub.httpUrl}/api/retention`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'diy-1', raw: '30d' }) });
    expect(put.status).toBe(200);
    await page.goto(`${t.hub.httpUrl}/#/device/dl-1`);
    await page.locator(`.command[data-command="${id}"][data-status="acked"]`).waitFor();
    await page.locator('.device-retention', { hasText: 'Raw readings kept 30 d (set for its model)' }).waitFor();

    const link = page.locator('.chart[data-metric="temperature"] .chart-download');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('dl-1-temperature.csv');
    const lines = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('ts,time,value');
    expect(lines.slice(1).map((l) => Number(l.split(',')[2]))).toEqual(sent);
    // The range shown: the link's window covers now, and nothing of the other metric.
    const href = new URL((await link.getAttribute('href')) as string, t.hub.httpUrl);
    expect(Number(href.searchParams.get('to'))).toBeGreaterThan(Date.now() - 60_000);
    expect(href.searchParams.get('metric')).toBe('temperature');
    await screenshot(page, 'device-history');
    expect(problems).toEqual([]);
  });
});
