/**
 * The streaming transports in real Chromium: native EventSource, native WebSocket and the
 * iframe stream each get the same messages, hostile strings included, and no device string
 * runs as script. The parent page is served by the hub's own HTTP server, as the dashboard
 * is. Saves test-artifacts/bridge-transports.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Route } from '../../../http/router.js';
import type { HubMessage } from '../../../protocol/message.js';
import { type WatchedPage, launchBrowser, openPage, screenshot } from '../../web/browser.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';

const PARENT = `<!doctype html><meta charset="utf-8"><title>transports</title>
<style>body{font:13px monospace;background:#111;color:#ddd}pre{white-space:pre-wrap}</style>
<h3>EventSource</h3><pre id="sse"></pre><h3>WebSocket</h3><pre id="ws"></pre><h3>iframe</h3><pre id="iframe"></pre>
<iframe id="frame" style="display:none"></iframe>
<script>
  window.got = { sse: [], ws: [], iframe: [] };
  const show = (name, msg) => { window.got[name].push(msg); document.getElementById(name).textContent += msg.seq + ' ' + msg.topic + ' ' + JSON.stringify(msg.data) + '\\n'; };
  const es = new EventSource('/events?topic=browser/%23');
  es.addEventListener('message', (e) => show('sse', JSON.parse(e.data)));
  es.addEventListener('hello', () => (window.sseReady = true));
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.onopen = () => { ws.send(JSON.stringify({ op: 'subscribe', topics: ['browser/#'] })); ws.send('{"op":"ready?"}'); };
  ws.onmessage = (e) => { const f = JSON.parse(e.data); if (f.op === 'error') window.wsReady = true; else if (f.seq) show('ws', f); };
  window.addEventListener('message', (e) => {
    if (e.origin !== location.origin) return;
    if (e.data.op === 'hello') window.iframeReady = true;
    else if (e.data.seq) show('iframe', e.data);
  });
  document.getElementById('frame').src = '/stream/iframe?topic=browser/%23';
</script>`;

let rig: Rig;
let browser: Browser;
let view: WatchedPage;
beforeAll(async () => {
  const parent: Route = {
    method: 'GET',
    path: '/parent.html',
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PARENT);
    },
  };
  rig = await startRig({ routes: [parent] });
  browser = await launchBrowser();
  view = await openPage(browser, { width: 1000, height: 700 });
});
afterAll(async () => {
  await view?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopRigs();
});

describe('in a real browser', () => {
  it('EventSource, WebSocket and iframe receive the same messages, and device strings stay data', async () => {
    const { page } = view;
    // Not 'load': the iframe's document never finishes, so neither does the parent's load.
    await page.goto(`${rig.url}/parent.html`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => {
      const w = globalThis as unknown as Record<string, unknown>;
      return w.sseReady === true && w.wsReady === true && w.iframeReady === true;
    });
    const hostile = '</script><script>window.top.pwned=1</script><img src=x onerror="window.top.pwned=2">\r\n\r\nevent: command\ndata: {}';
    rig.publish('browser/a', JSON.stringify({ t: 21.5 }));
    rig.publish('browser/evil', JSON.stringify({ model: hostile }));
    rig.publish('browser/evil', hostile);
    rig.publish('other/topic', '1');
    await page.waitForFunction(() => {
      const got = (globalThis as unknown as { got: Record<string, unknown[]> }).got;
      return got.sse?.length === 3 && got.ws?.length === 3 && got.iframe?.length === 3;
    });
    const got = await page.evaluate(() => (globalThis as unknown as { got: Record<string, HubMessage[]> }).got);
    expect(got.sse?.map((m) => m.data)).toEqual([{ t: 21.5 }, { model: hostile }, hostile]);
    expect(got.ws).toEqual(got.sse);
    expect(got.iframe).toEqual(got.sse);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(view.problems).toEqual([]);
    await screenshot(page, 'bridge-transports');
  });
});
