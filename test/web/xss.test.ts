/**
 * Strings from devices are shown as text, never as HTML: a device whose status, events and
 * ports carry markup and script (and a topic whose id level does) shows them
 * literally, and nothing runs, over SSE and over iframe streaming (whose frame embeds them).
 */
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, withBrowserHub } from './browser.js';

const DEVICE = 'xss-1';
const MODEL = '<img src=x onerror="window.__pwned=1">';
const FW = '</script><script>window.__pwned=2</script>';
const EVENT_TYPE = '<b>bold</b><img src=x onerror=window.__pwned=3>';
const PERIPHERAL = '<svg onload=window.__pwned=4>';
const BAD_ID_TOPIC = 'devices/<img src=x onerror=window.__pwned=5>/telemetry';

/** True when any frame of the page ran injected code or holds injected elements. */
async function injected(page: Page): Promise<boolean> {
  for (const frame of page.frames()) {
    // An expression string: it runs in the page, where the test's own types do not apply.
    const hit = await frame.evaluate(`'__pwned' in window || document.querySelector('img[src="x"], svg[onload], b') !== null`).catch(() => false);
    if (hit) return true;
  }
  return false;
}

describe('device strings are text', () => {
  const t = withBrowserHub({ devices: [DEVICE] });
  const device = (): MqttClient => t.devices[DEVICE] as MqttClient;

  beforeAll(async () => {
    await device().publishAsync(`devices/${DEVICE}/status`, JSON.stringify({ online: true, model: MODEL, fw: FW, ports: { '1': PERIPHERAL } }), { qos: 1, retain: true });
  });

  const sendHostileMessages = async (): Promise<void> => {
    await device().publishAsync(`devices/${DEVICE}/events`, JSON.stringify({ type: EVENT_TYPE, note: FW }), { qos: 1 });
    await device().publishAsync(`devices/${DEVICE}/events`, JSON.stringify({ type: 'hotplug', port: 2, action: 'attached', peripheral: PERIPHERAL }), { qos: 1 });
    await device().publishAsync(BAD_ID_TOPIC, JSON.stringify({ temperature: 1 }), { qos: 1 });
  };

  it.each(['sse', 'iframe'])('shows markup literally and runs nothing over %s', async (transport) => {
    const { page, problems, close } = await openPage(t.browser);
    try {
      await page.goto(`${t.hub.httpUrl}/?transport=${transport}#/events`);
      await page.locator('.link-status[data-state="live"]').waitFor();
      await sendHostileMessages();
      await page.locator('.feed-title', { hasText: EVENT_TYPE }).first().waitFor();
      expect(await page.locator('.feed-detail', { hasText: FW }).count()).toBeGreaterThan(0);
      await page.locator('.feed-title', { hasText: `${PERIPHERAL} attached to port 2` }).first().waitFor();

      await page.goto(`${t.hub.httpUrl}/?transport=${transport}#/`);
      const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: DEVICE }) });
      await row.locator('.model', { hasText: MODEL }).waitFor();
      expect(await row.locator('.fw').textContent()).toBe(`v${FW}`);

      await row.locator('.device-link').click();
      await page.locator('.port-what', { hasText: PERIPHERAL }).first().waitFor();
      await sendHostileMessages();
      await page.locator('.panel-events .feed-title', { hasText: EVENT_TYPE }).first().waitFor();
      if (transport === 'sse') await screenshot(page, 'xss-device');
      expect(await injected(page)).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
