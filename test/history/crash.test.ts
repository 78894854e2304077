/**
 * kill -9 during ingest: every message whose commit promise settled is on disk after the
 * crash, the file opens clean, and seq continues above every seq handed out before it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture } from './fixtures.js';

const WRITER = fileURLToPath(new URL('./children/crash-writer.ts', import.meta.url));
const ACKS_BEFORE_KILL = 3_000;

const fx = new Fixture();
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  await fx.cleanup();
});

interface Run {
  start: number;
  acked: number[];
  /** The highest seq the child handed to the store: browsers may have seen any seq up to here live. */
  handedOut: number;
}

/**
 * Runs the writer on `file` until it has reported `acks` commits and handed out the next burst,
 * then kills it with SIGKILL; `msPerMessage` stamps the messages that far apart (crash-writer.ts).
 */
function crashWriter(file: string, acks: number, msPerMessage?: number): Promise<Run> {
  const args = msPerMessage === undefined ? [] : [String(msPerMessage)];
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const run: Run = { start: -1, acked: [], handedOut: 0 };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const [word, n] = line.split(' ');
      if (word === 'start') run.start = Number(n);
      if (word === 'ack') run.acked.push(Number(n));
      if (word !== 'sent') return;
      run.handedOut = Number(n);
      if (run.acked.length >= acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(run) : reject(new Error(`writer exited with ${code ?? signal} before the kill`))));
  });
}

describe('crash during ingest', () => {
  it('keeps every acknowledged message and continues seq after kill -9, twice', async () => {
    const file = fx.file();
    const first = await crashWriter(file, ACKS_BEFORE_KILL);
    const second = await crashWriter(file, ACKS_BEFORE_KILL);

    expect(first.start).toBe(0);
    // Above every seq handed out, committed or not: none is reused.
    expect(second.start).toBeGreaterThanOrEqual(first.handedOut);
    expect(first.handedOut).toBeGreaterThan(Math.max(...first.acked));

    const { store, db } = fx.open(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Map((db.prepare('SELECT seq, data FROM history_messages').raw().all() as [number, string][]).map(([seq, data]) => [seq, data]));
    const points = new Set(db.prepare('SELECT seq FROM history_points').pluck().all() as number[]);
    for (const seq of [...first.acked, ...second.acked]) {
      expect(stored.get(seq)).toBe(JSON.stringify({ value: seq }));
      expect(points.has(seq)).toBe(true);
    }
    expect(Math.min(...second.acked)).toBeGreaterThan(first.handedOut);
    expect(store.lastSeq()).toBeGreaterThanOrEqual(second.handedOut);
    await store.append({ seq: store.lastSeq() + 1, ts: Date.now(), topic: 'devices/crash/telemetry', device: 'crash', kind: 'telemetry', data: { value: 0 } });
  });

  it('rebuilds the rollup cells it held from the raw points after kill -9: answers equal the raw points, none counted twice', async () => {
    const file = fx.file();
    // One message a second: the 3,000 acknowledged span 50 minutes, most of them written as rollups before the kill.
    await crashWriter(file, ACKS_BEFORE_KILL, 1_000);
    const { store, db } = fx.open(file);
    store.saveDevice({ id: 'crash', firstSeen: 0, lastSeen: 0, online: false, model: null, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] });
    const raw = db.prepare('SELECT ts, value FROM history_points ORDER BY ts').raw().all() as [number, number][];
    const byMinute = (points: [number, number][]): [number, number, number, number][] => {
      const cells = new Map<number, [number, number, number, number]>();
      for (const [ts, v] of points) {
        const b = Math.floor(ts / 60_000) * 60_000;
        const c = cells.get(b) ?? [b, Infinity, -Infinity, 0];
        cells.set(b, [b, Math.min(c[1], v), Math.max(c[2], v), c[3] + 1]);
      }
      return [...cells.values()];
    };
    const expected = byMinute(raw);
    const horizon = db.prepare("SELECT value FROM history_meta WHERE key = 'rollup_horizon'").pluck().get() as number;
    expect(horizon).toBeGreaterThan(30 * 60_000);
    const answer = store.history({ device: 'crash', metric: 'value', from: 0, to: 4 * 3_600_000, step: 60_000 });
    if (!answer.ok) throw new Error(answer.error);
    expect(answer.value.points.map(([b, , lo, hi, n]) => [b, lo, hi, n])).toEqual(expected);
    // On close the cells rebuilt from the raw points are written once, next to those written before the kill.
    await store.close();
    const after = fx.db(file);
    expect(after.prepare('SELECT bucket, min_v, max_v, n FROM history_rollup_minute ORDER BY bucket').raw().all()).toEqual(expected);
    expect(after.prepare('SELECT sum(n) FROM history_rollup_hour').pluck().get()).toBe(raw.length);
  });
});
