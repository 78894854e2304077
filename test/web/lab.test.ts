/**
 * The transport lab subscribes to `lab/tick` over every method at once and, once the page
 * turns the publishing rate up, shows live figures for every one of them.
 */
import { describe, expect, it } from 'vitest';
import { LAB_METHODS } from '../../web/src/lab/lab-methods.js';
import { waitFor } from '../support/hub.js';
import { screenshot, withBrowserHub } from './browser.js';

interface Figures {
  method: string;
  state: string;
  received: number;
  missed: number;
  requests: number;
  p50: string;
  p99: string;
  bytes: string;
}

describe('transport lab', () => {
  const t = withBrowserHub();

  const figures = (): Promise<Figures[]> =>
    t.view.page.locator('.lab-table tbody tr').evaluateAll((rows) =>
      rows.map((tr) => {
        const td = (i: number): string => tr.children[i]?.textContent ?? '';
        const num = (i: number): number => Number(td(i).replace(/\D/g, ''));
        return { method: tr.getAttribute('data-method') ?? '', state: td(1), p50: td(3), p99: td(4), received: num(5), missed: num(6), requests: num(7), bytes: td(8) };
      }),
    );

  it('shows latency, counts, requests and bytes for every method once ticks flow', async () => {
    const { page, problems } = t.view;
    await page.goto(`${t.hub.httpUrl}/lab`);
    await page.locator('.lab-table tbody tr').nth(LAB_METHODS.length - 1).waitFor();
    await waitFor(async () => (await figures()).every((f) => f.state === 'live'), 15_000, 'every method to go live');
    await page.getByRole('button', { name: '50', exact: true }).click();
    await page.locator('.rate-now', { hasText: 'Publishing 50' }).waitFor();

    // Short polling asks once a second, so give every method a few seconds of ticks.
    const rows = await waitFor(async () => {
      const f = await figures();
      return f.every((r) => r.received >= 50 && r.p99 !== '—') ? f : null;
    }, 20_000, 'figures for every method');
    expect(rows.map((r) => r.method).sort()).toEqual([...LAB_METHODS].sort());
    for (const r of rows) {
      expect(r.requests, r.method).toBeGreaterThan(0);
      expect(r.bytes, r.method).toMatch(/\d+ (B|KiB)/);
      expect(r.p50, r.method).toMatch(/\d+(\.\d)? (ms|s)/);
    }
    // Polling makes many requests; the streams make one each.
    const by = Object.fromEntries(rows.map((r) => [r.method, r]));
    expect(by['long-poll']?.requests).toBeGreaterThan(by.sse?.requests ?? 0);
    await screenshot(page, 'lab');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.rate-now', { hasText: 'Publishing is off' }).waitFor();
    expect(problems).toEqual([]);
  }, 45_000);
});
