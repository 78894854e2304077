/**
 * Browser tests' support: the one place Chromium is launched (Debian's /usr/bin/chromium
 * through playwright-core), the dashboard build they need, pages that record every console
 * error and CSP violation, and screenshots saved under test-artifacts/.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startHub, stopAll, type TestHub } from '../support/hub.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const WEB_OUT = join(ROOT, 'dist', 'web');
const LOCK = join(ROOT, 'dist', '.web-build-lock');
const STAMP = join(WEB_OUT, '.build-stamp');
/** A lock older than this was left by a crashed run. */
const STALE_LOCK_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Changes whenever a source of the dashboard build changes. */
function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const sources = [...files(join(ROOT, 'web', 'src')), ...files(join(ROOT, 'web', 'public')), ...files(join(ROOT, 'protocol')), join(ROOT, 'scripts', 'build-web.mjs')];
  for (const file of sources.sort()) hash.update(file).update(readFileSync(file));
  return hash.digest('hex');
}

function readStamp(): string | null {
  try {
    return readFileSync(STAMP, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Builds dist/web unless it is already built from these sources. The hub reads dist/web when it
 * starts, so call this before startHub. Test files run in parallel workers: a lock directory
 * makes one of them build while the others wait.
 */
export async function ensureWebBuilt(): Promise<void> {
  const wanted = sourceFingerprint();
  if (readStamp() === wanted) return;
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another test run to build the dashboard');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (readStamp() !== wanted) {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, stdio: 'pipe' });
      writeFileSync(STAMP, wanted);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations, as they happened. */
  problems: string[];
  close(): Promise<void>;
}

/** A page in a fresh context (its own storage), recording anything that went wrong on it. */
export async function openPage(browser: Browser, opts: { width?: number; height?: number; colorScheme?: 'dark' | 'light' } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 }, colorScheme: opts.colorScheme ?? 'dark' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  return { page, problems, close: () => context.close() };
}

/** Saves a full-viewport screenshot as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Problems other than the network errors a test causes on purpose (a stopped hub). */
export const unexpected = (problems: readonly string[]): string[] => problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR_/.test(p));

export interface BrowserHub {
  /** Replace it after a restart; every hub started is closed at the end anyway. */
  hub: TestHub;
  browser: Browser;
  /** One page, opened before the tests. */
  view: WatchedPage;
  /** MQTT clients acting as devices, by client id, connected before the tests. */
  devices: Record<string, MqttClient>;
}

/**
 * Registers the hooks every browser test file needs: the dashboard built, a hub started with
 * `hub` overrides (its fleet ready), Chromium with one page, and `devices` connected as MQTT
 * clients; all of it closed after the file, even when a test fails.
 */
export function withBrowserHub(opts: { hub?: Parameters<typeof startHub>[0]; devices?: string[] } = {}): BrowserHub {
  const ctx = { devices: {} } as BrowserHub;
  beforeAll(async () => {
    await ensureWebBuilt();
    ctx.hub = await startHub(opts.hub);
    await ctx.hub.fleet?.ready();
    ctx.browser = await launchBrowser();
    ctx.view = await openPage(ctx.browser);
    for (const id of opts.devices ?? []) {
      ctx.devices[id] = await mqtt.connectAsync(ctx.hub.mqttUrl, { protocolVersion: 4, clientId: id, reconnectPeriod: 200 });
    }
  });
  afterAll(async () => {
    await ctx.view?.close().catch(() => undefined);
    await ctx.browser?.close().catch(() => undefined);
    await Promise.all(Object.values(ctx.devices).map((d) => d.endAsync(true).catch(() => undefined)));
    await stopAll();
  });
  return ctx;
}
