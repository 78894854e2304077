/** Retention removes exactly the rows older than each table's limit, in small steps. */
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandView, HubMessage } from '../../protocol/message.js';
import type { Db } from '../../storage/database.js';
import { SERIES_PER_CHUNK } from '../../bridge/history/retention.js';
import { Fixture, message, telemetry } from './fixtures.js';

const M = 60_000;
const D = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0) + 12_345;
const RETENTION = { messagesMs: D, rawMs: 7 * D, eventsMs: 30 * D, minuteMs: 90 * D, hourMs: 0 };

const fx = new Fixture();
afterEach(() => fx.cleanup());

/** Messages at these ages (days), oldest first, then one whose clock ran backwards. */
const AGES = [200, 95, 89.99, 31, 29, 8, 6.9, 1.2, 0.9, 0.1];

function history(): { messages: HubMessage[]; commands: CommandView[] } {
  const messages: HubMessage[] = [];
  const commands: CommandView[] = [];
  const at = (age: number): number => Math.round(NOW - age * D);
  for (const age of AGES) {
    const seq = messages.length + 1;
    messages.push(telemetry(seq, at(age), 'd1', { temperature: age, voltage: 230 }));
    messages.push(message(seq + 1, at(age) + 1, 'devices/d2/events', JSON.stringify({ type: 'hotplug', port: 1, action: 'attached', peripheral: 'usb' })));
    commands.push({ id: `c${seq}`, device: 'd1', name: 'led', args: {}, status: 'acked', created: at(age), settled: at(age), result: null, error: null });
  }
  messages.push(telemetry(messages.length + 1, at(5), 'd1', { temperature: -1, voltage: 230 }));
  return { messages, commands };
}

const column = (db: Db, sql: string): number[] => db.prepare(sql).pluck().all() as number[];

describe('retention', () => {
  it('removes exactly what is older than each retention, in chunks, and keeps the rest', async () => {
    const { messages, commands } = history();
    const { store, db } = fx.open(fx.file(), { now: () => NOW, retention: RETENTION, pruneChunk: 3 });
    for (const c of commands) store.saveCommand(c);
    await Promise.all(messages.map((m) => store.append(m)));
    const minutesBefore = column(db, 'SELECT bucket FROM history_rollup_minute ORDER BY series, bucket');
    const hoursBefore = column(db, 'SELECT bucket FROM history_rollup_hour ORDER BY series, bucket');

    const report = await store.prune();

    // The log loses its expired prefix only: the last message is 5 days old but follows a newer one.
    const firstKept = messages.find((m) => m.ts >= NOW - RETENTION.messagesMs) as HubMessage;
    const keptLog = messages.filter((m) => m.seq >= firstKept.seq).map((m) => m.seq);
    expect(column(db, 'SELECT seq FROM history_messages ORDER BY seq')).toEqual(keptLog);
    expect(store.firstSeq()).toBe(firstKept.seq);

    const keptPoints = messages.filter((m) => m.kind === 'telemetry' && m.ts >= NOW - RETENTION.rawMs).flatMap((m) => [m.ts, m.ts])
      .sort((a, b) => a - b);
    expect(column(db, 'SELECT ts FROM history_points ORDER BY ts')).toEqual(keptPoints);
    expect(column(db, 'SELECT bucket FROM history_rollup_minute ORDER BY series, bucket')).toEqual(minutesBefore.filter((b) => b >= NOW - RETENTION.minuteMs));
    expect(column(db, 'SELECT bucket FROM history_rollup_hour ORDER BY series, bucket')).toEqual(hoursBefore);
    const keptEvents = messages.filter((m) => m.kind === 'event' && m.ts >= NOW - RETENTION.eventsMs).map((m) => m.seq);
    expect(column(db, 'SELECT seq FROM history_events ORDER BY seq')).toEqual(keptEvents);
    expect(db.prepare('SELECT id FROM history_commands ORDER BY created').pluck().all()).toEqual(
      commands.filter((c) => c.created >= NOW - RETENTION.eventsMs).map((c) => c.id),
    );

    expect(report).toEqual({
      messages: messages.length - keptLog.length,
      points: messages.filter((m) => m.kind === 'telemetry').length * 2 - keptPoints.length,
      minute: minutesBefore.length - column(db, 'SELECT bucket FROM history_rollup_minute').length,
      hour: 0,
      events: messages.filter((m) => m.kind === 'event').length - keptEvents.length,
      commands: commands.length - commands.filter((c) => c.created >= NOW - RETENTION.eventsMs).length,
    });
    // A second pass finds nothing more.
    expect(await store.prune()).toEqual({ messages: 0, points: 0, minute: 0, hour: 0, events: 0, commands: 0 });
  });

  it('keeps everything when every retention is 0', async () => {
    const { messages } = history();
    const { store, db } = fx.open(fx.file(), { now: () => NOW, retention: { messagesMs: 0, rawMs: 0, eventsMs: 0, minuteMs: 0, hourMs: 0 } });
    await Promise.all(messages.map((m) => store.append(m)));
    expect(await store.prune()).toEqual({ messages: 0, points: 0, minute: 0, hour: 0, events: 0, commands: 0 });
    expect(column(db, 'SELECT count(*) FROM history_messages')).toEqual([messages.length]);
  });

  it('visits the series a slice at a time, yielding to I/O between slices, and reaches the last', async () => {
    const devices = SERIES_PER_CHUNK + 10; // two series each: three slices
    const { store, db } = fx.open(fx.file(), { now: () => NOW, retention: RETENTION, pruneChunk: 1_000 });
    const fresh = Array.from({ length: devices }, (_, i) => telemetry(i + 1, NOW - M, `d${i}`, { temperature: i, voltage: 230 }));
    // The newest series' device also sent a reading past raw retention.
    const expired = telemetry(devices + 1, NOW - 8 * D, `d${devices - 1}`, { temperature: -1, voltage: 230 });
    await Promise.all([...fresh, expired].map((m) => store.append(m)));

    let turns = 0;
    let pruning = true;
    const turn = (): void => {
      turns++;
      if (pruning) setImmediate(turn);
    };
    setImmediate(turn);
    const report = await store.prune();
    pruning = false;

    expect(report.points).toBe(2);
    expect(column(db, 'SELECT count(*) FROM history_points WHERE ts < ' + (NOW - RETENTION.rawMs))).toEqual([0]);
    expect(column(db, 'SELECT count(*) FROM history_points')).toEqual([2 * devices]);
    // The points' and the minute cells' steps each yield after their first two slices.
    expect(turns).toBeGreaterThanOrEqual(4);
  });

  it('lets ingest commit between its steps', async () => {
    const { store } = fx.open(fx.file(), { now: () => NOW, retention: RETENTION, pruneChunk: 1, commitIntervalMs: 0 });
    const old = Array.from({ length: 3_000 }, (_, i) => telemetry(i + 1, NOW - 10 * D + i * M, 'd1', { temperature: i }));
    await Promise.all(old.map((m) => store.append(m)));

    let pruned = false;
    const pass = store.prune().then(() => {
      pruned = true;
    });
    await store.append(telemetry(old.length + 1, NOW, 'd1', { temperature: 1 }));
    expect(pruned).toBe(false);
    await pass;
    expect(store.messagesAfter(0, ['#'], 10).messages.map((m) => m.seq)).toEqual([old.length + 1]);
  });
});
