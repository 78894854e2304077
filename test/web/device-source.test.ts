/**
 * The dashboard says where a device came from and what went wrong mapping it: a Tasmota plug
 * mapped by the preset shows its source and problem count in the fleet table and, on its page,
 * the source, its units and the problem itself, markup shown literally; a native device shows none.
 */
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { openPage, screenshot, withBrowserHub } from './browser.js';

const PLUG = 'tasmota_B1C2D3';
const NATIVE = 'native-src-1';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const HA_NODE = 'attic-node';

describe('device source on the dashboard', () => {
  const t = withBrowserHub({ hub: { map: ['tasmota'] }, devices: [PLUG, NATIVE, HA_NODE] });
  const publish = (id: string, topic: string, payload: string): Promise<unknown> => (t.devices[id] as MqttClient).publishAsync(topic, payload, { qos: 1 });

  it('shows the source and mapping problems in the fleet table and on the device page, as text', async () => {
    await publish(NATIVE, `devices/${NATIVE}/status`, '{"online":true,"model":"diy-1"}');
    await publish(PLUG, `tele/${PLUG}/LWT`, 'Online');
    await publish(PLUG, `tele/${PLUG}/SENSOR`, '{"Time":"2024-05-01T12:00:00","ENERGY":{"Voltage":231,"Current":0.1,"Power":12}}');
    await publish(PLUG, `tele/${PLUG}/STATE`, JSON.stringify({ Time: '2024-05-01T12:00:00', UptimeSec: 60, POWER: HOSTILE }));
    const { page, problems, close } = await openPage(t.browser);
    try {
      await page.goto(`${t.hub.httpUrl}/#/`);
      const row = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: PLUG }) });
      await row.locator('.source-badge.is-shown', { hasText: 'tasmota' }).waitFor();
      await row.locator('.problem-badge.is-shown', { hasText: '⚠ 1' }).waitFor();
      const native = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: NATIVE }) });
      await native.waitFor();
      expect(await native.locator('.source-badge').isVisible()).toBe(false);
      expect(await native.locator('.problem-badge').isVisible()).toBe(false);
      await screenshot(page, 'device-source-overview');

      await row.locator('.device-link').click();
      await page.locator('.source-sentence', { hasText: 'Mapped from its own topics by “tasmota”' }).waitFor();
      await page.locator('.source-units', { hasText: 'voltage V' }).waitFor();
      const problem = page.locator('.panel-source .problem');
      await problem.first().waitFor();
      expect(await problem.allTextContents()).toEqual([`mapping rule tasmota/state: led POWER or POWER1 is ${JSON.stringify(HOSTILE).slice(0, 60)}; the rule knows "ON", "OFF"`]);
      expect(await page.evaluate(`'__pwned' in window || document.querySelector('img[src="x"]') !== null`)).toBe(false);
      await screenshot(page, 'device-source-page');

      // A good payload clears the problem, live.
      await publish(PLUG, `tele/${PLUG}/STATE`, '{"Time":"2024-05-01T12:01:00","UptimeSec":120,"POWER":"ON"}');
      await page.locator('.panel-source .problem').waitFor({ state: 'detached' });
      await page.goto(`${t.hub.httpUrl}/#/device/${NATIVE}`);
      await page.locator('.source-sentence', { hasText: 'Native' }).waitFor();

      // A device found by Home Assistant discovery, one of whose templates is skipped.
      await publish(HA_NODE, `homeassistant/sensor/${HA_NODE}/attic_temp/config`, JSON.stringify({ stat_t: `${HA_NODE}/sensor/attic_temp/state`, unit_of_meas: '°C', dev: { ids: 'aa11', mdl: 'esp32dev' } }));
      await publish(HA_NODE, `homeassistant/sensor/${HA_NODE}/odd/config`, JSON.stringify({ stat_t: `${HA_NODE}/odd`, val_tpl: `{{ value_json.x ~ '${HOSTILE}' }}`, dev: { ids: 'aa11' } }));
      await publish(HA_NODE, `${HA_NODE}/sensor/attic_temp/state`, '31.5');
      await page.goto(`${t.hub.httpUrl}/#/`);
      const haRow = page.locator('.fleet-row', { has: page.locator('.device-link', { hasText: HA_NODE }) });
      await haRow.locator('.source-badge.is-shown', { hasText: 'HA' }).waitFor();
      await haRow.locator('.device-link').click();
      await page.locator('.source-sentence', { hasText: 'Home Assistant MQTT discovery' }).waitFor();
      await page.locator('.source-units', { hasText: 'attic_temp °C' }).waitFor();
      await page.locator('.panel-source .problem', { hasText: 'sensor odd: value_template' }).waitFor();
      expect(await page.evaluate(`'__pwned' in window || document.querySelector('img[src="x"]') !== null`)).toBe(false);
      await screenshot(page, 'device-source-ha');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
