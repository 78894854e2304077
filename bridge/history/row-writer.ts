/**
 * Writes one chunk of the write queue as one transaction: the message log, the time-series
 * points and their rollups, events, registry entries, commands, and the seq bookkeeping.
 * Every statement is prepared once.
 */
import type { Db } from '../../storage/database.js';
import { readingsOf } from '../../protocol/readings.js';
import { type Point, ROLLUPS, rollUp } from './rollup.js';
import { topicScope } from './scope.js';
import { propsColumn } from './stored-message.js';
import type { Chunk } from './write-queue.js';

export type MetaKey = 'seq_reserved' | 'log_floor';

export interface RowWriter {
  /** Writes the chunk and the given meta values atomically (BEGIN IMMEDIATE: a locked file fails at once, before any work). */
  write(chunk: Chunk, meta: Partial<Record<MetaKey, number>>): void;
  /** Writes one meta value in its own transaction. */
  setMeta(key: MetaKey, value: number): void;
  meta(key: MetaKey): number;
}

export function createRowWriter(db: Db): RowWriter {
  const insertMessage = db.prepare('INSERT INTO history_messages (seq, ts, topic, device, kind, data, scope, props) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertEvent = db.prepare('INSERT INTO history_events (seq, ts, device, kind, topic, data, props) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertPoint = db.prepare('INSERT INTO history_points (series, ts, seq, value) VALUES (?, ?, ?, ?)');
  const findSeries = db.prepare('SELECT id FROM history_series WHERE device = ? AND metric = ?').pluck();
  const insertSeries = db.prepare('INSERT INTO history_series (device, metric) VALUES (?, ?)');
  const upsertCell = ROLLUPS.map(({ width, table }) => ({
    width,
    stmt: db.prepare(
      `INSERT INTO ${table} (series, bucket, sum_v, min_v, max_v, n) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (series, bucket) DO UPDATE SET sum_v = sum_v + excluded.sum_v,
         min_v = min(min_v, excluded.min_v), max_v = max(max_v, excluded.max_v), n = n + excluded.n`,
    ),
  }));
  const upsertDevice = db.prepare('INSERT INTO history_devices (id, view) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET view = excluded.view');
  const upsertCommand = db.prepare(
    'INSERT INTO history_commands (id, device, created, view) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET device = excluded.device, created = excluded.created, view = excluded.view',
  );
  const updateMeta = db.prepare('UPDATE history_meta SET value = ? WHERE key = ?');
  const readMeta = db.prepare('SELECT value FROM history_meta WHERE key = ?').pluck();

  const seriesIds = new Map<string, number>();

  /** The series id, creating the row; ids made in a transaction join the cache only once it commits. */
  function seriesOf(device: string, metric: string, created: Map<string, number>): number {
    const key = `${device}\u0000${metric}`;
    const known = seriesIds.get(key) ?? created.get(key);
    if (known !== undefined) return known;
    const found = findSeries.get(device, metric) as number | undefined;
    const id = found ?? Number(insertSeries.run(device, metric).lastInsertRowid);
    created.set(key, id);
    return id;
  }

  const writeChunk = db.transaction((chunk: Chunk, meta: Partial<Record<MetaKey, number>>, created: Map<string, number>) => {
    const points: Point[] = [];
    for (const { msg, data } of chunk.messages) {
      const props = propsColumn(msg);
      insertMessage.run(msg.seq, msg.ts, msg.topic, msg.device, msg.kind, data, topicScope(msg.topic), props);
      if (msg.kind === 'event' || msg.kind === 'reject') insertEvent.run(msg.seq, msg.ts, msg.device, msg.kind, msg.topic, data, props);
      for (const r of readingsOf(msg)) {
        const series = seriesOf(msg.device as string, r.metric, created);
        insertPoint.run(series, msg.ts, msg.seq, r.value);
        points.push({ series, ts: msg.ts, value: r.value });
      }
    }
    for (const { width, stmt } of upsertCell) {
      for (const c of rollUp(points, width)) stmt.run(c.series, c.bucket, c.sum, c.min, c.max, c.n);
    }
    for (const d of chunk.devices) upsertDevice.run(d.id, JSON.stringify(d));
    for (const c of chunk.commands) upsertCommand.run(c.id, c.device, c.created, JSON.stringify(c));
    for (const [key, value] of Object.entries(meta)) updateMeta.run(value, key);
  });

  return {
    write(chunk, meta) {
      const created = new Map<string, number>();
      writeChunk.immediate(chunk, meta, created);
      for (const [key, id] of created) seriesIds.set(key, id);
    },
    setMeta(key, value) {
      updateMeta.run(value, key);
    },
    meta(key) {
      return readMeta.get(key) as number;
    },
  };
}
