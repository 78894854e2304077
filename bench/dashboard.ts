/**
 * `npm run bench -- dashboard [--devices 1000] [--seconds 60] [--page overview|device]`
 *
 * A hub with an in-process fleet (every device a real MQTT client reading once a second),
 * the dashboard open in headless Chromium, and for one minute: frame time p50/p95 from
 * requestAnimationFrame, frames over 50 ms, how busy the page's main thread was, and the
 * JavaScript heap (after a forced GC at start and end, and the peak of samples in between).
 * Hub, fleet and browser share the machine, as they would on a laptop.
 */
import type { CDPSession, Page } from 'playwright-core';
import { startHub, stopAll } from '../test/support/hub.js';
import { ensureWebBuilt, launchBrowser } from '../test/web/browser.js';
import { quantile } from './support/stats.js';

interface Options {
  devices: number;
  seconds: number;
  page: 'overview' | 'device';
}

function parseArgs(args: string[]): Options {
  const opts: Options = { devices: 1000, seconds: 60, page: 'overview' };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1] ?? ''];
    if (flag === '--devices' && /^\d+$/.test(value)) opts.devices = Number(value);
    else if (flag === '--seconds' && /^\d+$/.test(value)) opts.seconds = Number(value);
    else if (flag === '--page' && (value === 'overview' || value === 'device')) opts.page = value;
    else throw new Error(`dashboard bench: unknown option ${flag} ${value} (use --devices N, --seconds N, --page overview|device)`);
  }
  return opts;
}

const MiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function heapUsed(cdp: CDPSession, collect: boolean): Promise<number> {
  if (collect) await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

async function busy(cdp: CDPSession): Promise<{ task: number; script: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string): number => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), script: get('ScriptDuration') };
}

/** Starts recording frame intervals in the page; the returned function stops and returns them. */
async function recordFrames(page: Page): Promise<() => Promise<number[]>> {
  // Expression strings: they run in the page, where this file's Node types do not apply.
  await page.evaluate(`(() => {
    const deltas = [];
    let last = performance.now();
    let running = true;
    const tick = (now) => { deltas.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    window.__benchStop = () => { running = false; return deltas; };
  })()`);
  return () => page.evaluate('window.__benchStop()') as Promise<number[]>;
}

export async function run(args: string[]): Promise<void> {
  const opts = parseArgs(args);
  await ensureWebBuilt();
  console.log(`starting a hub with ${opts.devices} simulated devices at 1 Hz…`);
  const hub = await startHub({ fleet: opts.devices, fleetIntervalMs: 1000 });
  const browser = await launchBrowser();
  try {
    await hub.fleet?.ready();
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const target = opts.page === 'overview' ? '/' : `/#/device/${hub.fleet?.devices.find((d) => d.model === 'edge')?.id ?? ''}`;
    await page.goto(`${hub.httpUrl}${target}`);
    if (opts.page === 'overview') await page.locator('.stat-value', { hasText: opts.devices.toLocaleString('en-US') }).first().waitFor({ timeout: 60_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.waitForTimeout(5_000); // warm-up: snapshot applied, caches and JIT settled

    const heapStart = await heapUsed(cdp, true);
    const busyStart = await busy(cdp);
    const seqStart = await page.locator('.link-seq').textContent();
    const stop = await recordFrames(page);
    let heapPeak = heapStart;
    const deadline = Date.now() + opts.seconds * 1000;
    while (Date.now() < deadline) {
      await page.waitForTimeout(1000);
      heapPeak = Math.max(heapPeak, await heapUsed(cdp, false));
    }
    const frames = (await stop()).slice(1).sort((a, b) => a - b);
    const busyEnd = await busy(cdp);
    const seqEnd = await page.locator('.link-seq').textContent();
    const heapEnd = await heapUsed(cdp, true);

    const seqOf = (t: string | null): number => Number((t ?? '').replace(/\D/g, ''));
    const rate = (seqOf(seqEnd) - seqOf(seqStart)) / opts.seconds;
    const share = (s: number): string => `${((s / opts.seconds) * 100).toFixed(1)} %`;
    const version = browser.version();
    console.log(`\ndashboard (${opts.page}), ${opts.devices} devices at 1 Hz, ${opts.seconds} s, headless Chromium ${version}, 1920×1080`);
    console.log(`  messages into the page     ${rate.toFixed(0)} / s (hub seq advance)`);
    console.log(`  frames                     ${frames.length} (${(frames.length / opts.seconds).toFixed(1)} / s)`);
    console.log(`  frame time p50 / p95       ${quantile(frames, 0.5).toFixed(1)} ms / ${quantile(frames, 0.95).toFixed(1)} ms (max ${quantile(frames, 1).toFixed(1)} ms)`);
    console.log(`  frames over 50 ms          ${frames.filter((f) => f > 50).length}`);
    console.log(`  main thread busy           ${share(busyEnd.task - busyStart.task)} (script ${share(busyEnd.script - busyStart.script)})`);
    console.log(`  JS heap used               start ${MiB(heapStart)} · end ${MiB(heapEnd)} · peak ${MiB(heapPeak)} (start and end after GC)`);
  } finally {
    await browser.close().catch(() => undefined);
    await stopAll();
  }
}
