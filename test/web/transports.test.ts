/**
 * Each transport the user can pick carries the dashboard: chosen from the header's picker,
 * the indicator names it and goes live, and a fresh reading reaches the overview through it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORT_KINDS, TRANSPORT_LABELS } from '../../protocol/transports.js';
import { withBrowserHub } from './browser.js';

describe('transport choice', () => {
  const t = withBrowserHub({ devices: ['pick-1'] });

  beforeAll(async () => {
    await t.devices['pick-1']?.publishAsync('devices/pick-1/status', JSON.stringify({ online: true, model: 'thermo-1' }), { qos: 1, retain: true });
    await t.view.page.goto(`${t.hub.httpUrl}/`);
  });

  it.each(TRANSPORT_KINDS.map((kind, i) => [kind, 50 + i] as const))('%s delivers live readings', async (kind, temperature) => {
    const { page, problems } = t.view;
    await page.getByRole('combobox', { name: 'Transport' }).selectOption(kind);
    const indicator = page.locator('.link-status');
    await expect.poll(() => indicator.getAttribute('aria-label'), { timeout: 10_000 }).toContain(`${TRANSPORT_LABELS[kind]}: Live`);
    await t.devices['pick-1']?.publishAsync('devices/pick-1/telemetry', JSON.stringify({ temperature }), { qos: 1 });
    const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: 'pick-1' }) });
    await row.locator('.c-temp', { hasText: `${temperature}` }).waitFor({ timeout: 10_000 });
    expect(await indicator.getAttribute('data-state')).toBe('live');
    expect(problems).toEqual([]);
  });

  it('remembers the choice and lets a link pick one with ?transport=', async () => {
    const { page } = t.view;
    await page.reload();
    expect(await page.getByRole('combobox', { name: 'Transport' }).inputValue()).toBe(TRANSPORT_KINDS[TRANSPORT_KINDS.length - 1]);
    await page.goto(`${t.hub.httpUrl}/?transport=ws`);
    expect(await page.getByRole('combobox', { name: 'Transport' }).inputValue()).toBe('ws');
    await page.locator('.link-status[data-state="live"]').waitFor();
  });
});
