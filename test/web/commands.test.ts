/**
 * Commands from the page to real simulated devices and back: the LED switch sends `led`, the
 * device acks and reports its new state, and a firmware job's progress bar runs to done.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/hub.js';
import { screenshot, withBrowserHub } from './browser.js';

describe('commands from the dashboard', () => {
  // The default mix of 12 devices includes led-1 and edge-1 (LED, firmware and ports).
  const t = withBrowserHub({ hub: { fleet: 12 } });

  it('switches an LED from the overview: command sent, acked by the device, state shown', async () => {
    const { page, problems } = t.view;
    await page.goto(`${t.hub.httpUrl}/`);
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: /^led-1$/ }) });
    const toggle = row.getByRole('switch');
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    // Settled: the device's retained `led` report drives the switch, nothing is pending any more.
    await expect.poll(async () => `${await toggle.getAttribute('aria-checked')} ${await toggle.getAttribute('aria-busy')}`, { timeout: 10_000 }).toBe('true null');
    const registry = await waitFor(async () => {
      const body = (await (await fetch(`${t.hub.httpUrl}/api/devices`)).json()) as { devices: { id: string; led: { state: string } | null }[] };
      return body.devices.find((d) => d.id === 'led-1' && d.led?.state === 'on');
    });
    expect(registry.led?.state).toBe('on');

    await row.locator('.device-link').click();
    await page.locator('.command[data-status="acked"]', { has: page.locator('.command-name', { hasText: 'led' }) }).waitFor();
    expect(problems).toEqual([]);
  });

  it('runs a firmware update with a live progress bar to done', async () => {
    const { page, problems } = t.view;
    await page.goto(`${t.hub.httpUrl}/#/device/edge-1`);
    await page.getByRole('textbox', { name: 'Firmware version to install' }).fill('2.0.0');
    await page.getByRole('button', { name: 'Update' }).click();
    const bar = page.locator('progress.progress');
    await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Number(await bar.getAttribute('value'))).toBeLessThan(100);
    await page.locator('.job .pill-ok', { hasText: 'done' }).waitFor({ timeout: 30_000 });
    expect(await bar.getAttribute('value')).toBe('100');
    // After the reboot the device reports the new version in its status.
    await page.locator('.fw-current', { hasText: '2.0.0' }).waitFor({ timeout: 15_000 });
    await page.locator('.command[data-status="acked"]', { has: page.locator('.command-name', { hasText: 'firmware' }) }).waitFor();
    await screenshot(page, 'device-firmware');
    expect(problems).toEqual([]);
  }, 60_000);
});
