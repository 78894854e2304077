/**
 * STOMP over SockJS in real Chromium, as Spring front ends do it: `sockjs-client` plus
 * `@stomp/stompjs`, once per SockJS transport (websocket, xhr-streaming, xhr-polling,
 * eventsource), logged in by the session cookie alone. Each receives what its subscription
 * matches and nothing else, and a SEND from one reaches all. Saves test-artifacts/stomp-sockjs.png.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, loadUsers } from '../../../../auth/index.js';
import type { Route } from '../../../../http/router.js';
import type { HubMessage } from '../../../../protocol/message.js';
import { type WatchedPage, launchBrowser, openPage, screenshot } from '../../../web/browser.js';
import { type Rig, startRig, stopRigs } from '../../support/bridge-rig.js';

/** The packages' own browser builds, served by the hub's server (no CDN). */
const MODULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'node_modules');
const TRANSPORTS = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'];

const PAGE = `<!doctype html><meta charset="utf-8"><title>STOMP over SockJS</title>
<style>body{font:13px monospace;background:#111;color:#ddd}pre{white-space:pre-wrap}</style>
<script src="/vendor/sockjs.js"></script><script src="/vendor/stomp.js"></script>
<div id="out"></div>
<script>
  window.links = {};
  window.start = async (transports) => {
    await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ada', password: 'ada-pass' }) });
    for (const t of transports) {
      const pre = document.createElement('pre');
      document.getElementById('out').append(t, pre);
      const link = (window.links[t] = { got: [], user: null, ready: false, used: null });
      const client = new StompJs.Client({
        webSocketFactory: () => { const s = new SockJS('/sockjs', null, { transports: [t] }); s.addEventListener('open', () => (link.used = s.transport)); return s; },
        reconnectDelay: 0,
        debug: () => {},
      });
      link.client = client;
      client.onConnect = (frame) => {
        link.user = frame.headers['user-name'];
        client.watchForReceipt('sub-' + t, () => (link.ready = true));
        client.subscribe('/topic/browser/#', (m) => { const msg = JSON.parse(m.body); link.got.push(msg); pre.textContent += msg.seq + ' ' + msg.topic + ' ' + JSON.stringify(msg.data) + '\\n'; }, { receipt: 'sub-' + t });
      };
      client.onStompError = (f) => (link.error = f.headers.message);
      client.activate();
    }
  };
  window.sendFrom = (t, destination, body) => new Promise((resolve) => {
    const c = window.links[t].client;
    c.watchForReceipt('send-' + t, (f) => resolve(f.headers['receipt-id']));
    c.publish({ destination, body, headers: { receipt: 'send-' + t } });
  });
</script>`;

const dir = mkdtempSync(join(tmpdir(), 'fleetwire-sockjs-'));
const usersFile = join(dir, 'users.json');
await addUsers(usersFile, [{ name: 'ada', role: 'admin', password: 'ada-pass' }]);

const file = (path: string, type: string, body: () => string): Route => ({
  method: 'GET',
  path,
  handler: (_req, res) => {
    res.writeHead(200, { 'content-type': type });
    res.end(body());
  },
});

let rig: Rig;
let browser: Browser;
let view: WatchedPage;
beforeAll(async () => {
  rig = await startRig({
    users: loadUsers(usersFile),
    routes: [
      file('/sockjs.html', 'text/html; charset=utf-8', () => PAGE),
      file('/favicon.ico', 'image/x-icon', () => ''),
      file('/vendor/sockjs.js', 'text/javascript', () => readFileSync(join(MODULES, 'sockjs-client/dist/sockjs.min.js'), 'utf8')),
      file('/vendor/stomp.js', 'text/javascript', () => readFileSync(join(MODULES, '@stomp/stompjs/bundles/stomp.umd.min.js'), 'utf8')),
    ],
  });
  browser = await launchBrowser();
  view = await openPage(browser, { width: 1000, height: 700 });
});
afterAll(async () => {
  await view?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopRigs();
  rmSync(dir, { recursive: true, force: true });
});

type Links = Record<string, { got: HubMessage[]; user: string | null; ready: boolean; used: string | null; error?: string }>;
const links = (): Promise<Links> => view.page.evaluate(() => (globalThis as unknown as { links: Links }).links);

describe('STOMP over SockJS in a real browser', () => {
  it('serves every SockJS transport, logged in by the session cookie: what matches arrives, and a SEND reaches all', async () => {
    const { page } = view;
    await page.goto(`${rig.url}/sockjs.html`);
    await page.evaluate((t) => (globalThis as unknown as { start(t: string[]): Promise<void> }).start(t), TRANSPORTS);
    await page.waitForFunction((n) => Object.values((globalThis as unknown as { links: Links }).links).filter((l) => l.ready).length === n, TRANSPORTS.length);
    rig.publish('browser/a', JSON.stringify({ t: 21.5 }));
    rig.publish('other/topic', '1');
    const receipt = await page.evaluate(() => (globalThis as unknown as { sendFrom(t: string, d: string, b: string): Promise<string> }).sendFrom('xhr-polling', '/topic/browser/from-page', 'hello'));
    expect(receipt).toBe('send-xhr-polling');
    await page.waitForFunction(() => Object.values((globalThis as unknown as { links: Links }).links).every((l) => l.got.length >= 2));
    const got = await links();
    for (const t of TRANSPORTS) {
      expect(got[t]).toMatchObject({ user: 'ada', used: t });
      expect(got[t]?.got.map((m) => [m.topic, m.data])).toEqual([
        ['browser/a', { t: 21.5 }],
        ['browser/from-page', 'hello'],
      ]);
    }
    expect(view.problems).toEqual([]);
    await screenshot(page, 'stomp-sockjs');
  });
});
