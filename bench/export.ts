/**
 * `npm run bench -- export [--days 7] [--slow-seconds 10] [--hub-heap-mb 0]`
 *
 * Fills a store with `--days` days of one reading a second of one device (604,800 readings for
 * a week, two metrics per message), starts a whole hub on that file in a child process, and
 * downloads `GET /api/export` of one metric over the whole range:
 *   - CSV and NDJSON read as fast as this process can: rows, bytes, seconds, rows/s;
 *   - the hub's resident memory (VmRSS of the child, sampled every 20 ms) before, at its peak
 *     during each download, and its growth over the idle hub;
 *   - a slow reader (1 MB/s for `--slow-seconds`): the hub must hold the rest back rather
 *     than buffer it, so its memory stays as flat as for the fast one.
 * RSS includes garbage V8 has not collected yet; `--hub-heap-mb 40` caps the hub's old space
 * (`--max-old-space-size`), and the exports still completing shows they need no more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHistoryStore } from '../bridge/history/index.js';
import type { DeviceView } from '../protocol/message.js';
import { openDatabase } from '../storage/database.js';
import { startHubProcess } from './support/hub-process.js';
import { rssBytes } from './support/proc.js';
import { flag, sleep } from './support/stats.js';

const DAY = 86_400_000;
const DEVICE = 'week-1';
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function fill(dbFile: string, from: number, count: number): Promise<void> {
  const db = openDatabase(dbFile);
  const store = createHistoryStore({ db, logger: pino({ level: 'silent' }), metrics: new Registry(), pruneIntervalMs: 0, retention: { rawMs: 0, messagesMs: 0 } });
  const view: DeviceView = { id: DEVICE, firstSeen: from, lastSeen: from + count * 1000, online: true, model: 'thermo-1', fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] };
  store.saveDevice(view);
  let pending: Promise<void> = Promise.resolve();
  for (let i = 0; i < count; i++) {
    pending = store.append({ seq: i + 1, ts: from + i * 1000, topic: `devices/${DEVICE}/telemetry`, device: DEVICE, kind: 'telemetry', data: { temperature: 20 + Math.sin(i / 600), voltage: 230 } });
    if (store.health().pending >= 10_000) await pending;
  }
  await store.close();
  db.close();
}

/** Downloads `url`, reading at most `bytesPerSecond` (0: as fast as possible) for at most `seconds`. */
async function download(url: string, pid: number, bytesPerSecond: number, seconds: number): Promise<{ rows: number; bytes: number; s: number; peak: number }> {
  let peak = rssBytes(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
  const t0 = performance.now();
  let bytes = 0;
  let rows = 0;
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (const b of value) if (b === 10) rows++;
      if (bytesPerSecond > 0) {
        await sleep((value.length / bytesPerSecond) * 1000);
        if (performance.now() - t0 > seconds * 1000) {
          await reader.cancel();
          break;
        }
      }
    }
  } finally {
    clearInterval(sampler);
  }
  return { rows, bytes, s: (performance.now() - t0) / 1000, peak };
}

export async function run(args: string[]): Promise<void> {
  const days = Number(flag(args, 'days', '7'));
  const slowSeconds = Number(flag(args, 'slow-seconds', '10'));
  const heapMb = Number(flag(args, 'hub-heap-mb', '0'));
  const count = Math.round((days * DAY) / 1000);
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-export-'));
  const dbFile = join(dir, 'fleetwire.db');
  try {
    const from = Date.now() - count * 1000;
    let t0 = performance.now();
    await fill(dbFile, from, count);
    console.log(`filled             ${fmt(count)} messages (${days} days at 1 Hz, 2 metrics) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const hub = await startHubProcess(dbFile, { nodeArgs: heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : [] });
    const pid = hub.child.pid as number;
    try {
      await sleep(1000);
      const idle = rssBytes(pid);
      console.log(`hub idle RSS       ${mb(idle)}${heapMb > 0 ? ` (old space capped at ${heapMb} MB)` : ''}`);
      const url = (format: string) => `${hub.httpUrl}/api/export?device=${DEVICE}&metric=temperature&from=${from}&to=${from + count * 1000}&format=${format}`;
      for (const format of ['csv', 'ndjson']) {
        t0 = performance.now();
        const r = await download(url(format), pid, 0, 0);
        const rows = format === 'csv' ? r.rows - 1 : r.rows;
        console.log(
          `export ${format.padEnd(6)}      ${fmt(rows)} rows, ${mb(r.bytes)} in ${r.s.toFixed(2)} s (${fmt(rows / r.s)} rows/s); hub RSS peak ${mb(r.peak)} (+${mb(r.peak - idle)} over idle)`,
        );
        if (rows !== count) console.log(`  !! expected ${fmt(count)} rows`);
      }
      const slow = await download(url('csv'), pid, 1024 * 1024, slowSeconds);
      console.log(`slow reader 1 MB/s ${mb(slow.bytes)} in ${slow.s.toFixed(1)} s; hub RSS peak ${mb(slow.peak)} (+${mb(slow.peak - idle)} over idle)`);
    } finally {
      hub.child.kill('SIGTERM');
      await new Promise((r) => hub.child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
