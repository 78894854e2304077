/**
 * Writes one chunk of the write queue as one transaction: the message log, the time-series
 * points and their rollups, events, registry entries, commands, and the seq bookkeeping.
 * Every statement is prepared once; rows of the message log, points and rollups go in
 * multi-row statements (row-batch.ts). The chunk travels as ChunkRows, plain values made on the
 * main thread (rowsOf), because the writer may run on the commit thread (commit-thread.ts),
 * and cloning flat strings and numbers to it costs far less than cloning message objects.
 */
import type { Db } from '../../storage/database.js';
import type { HubMessage, MessageKind } from '../../protocol/message.js';
import { readingsOf } from '../../protocol/readings.js';
import { type Point, ROLLUPS, rollUp } from './rollup.js';
import { RowBatch } from './row-batch.js';
import { topicScope } from './scope.js';
import { propsColumn } from './stored-message.js';
import type { Chunk } from './write-queue.js';

export type MetaKey = 'seq_reserved' | 'log_floor';

/** Values per message in ChunkRows.messages, in this order. */
const MESSAGE_FIELDS = 7;

/** One transaction's rows. */
export interface ChunkRows {
  /** Per message, one after the other: seq, ts, topic, device, kind, data (JSON), props (JSON or null). */
  messages: (string | number | null)[];
  devices: [id: string, view: string][];
  commands: [id: string, device: string, created: number, view: string][];
  meta: Partial<Record<MetaKey, number>>;
}

/** The rows of a chunk: the message's data is already JSON (the store made it at append). */
export function rowsOf(chunk: Chunk, meta: Partial<Record<MetaKey, number>>): ChunkRows {
  const messages: (string | number | null)[] = [];
  for (const { msg, data } of chunk.messages) messages.push(msg.seq, msg.ts, msg.topic, msg.device, msg.kind, data, propsColumn(msg));
  return {
    messages,
    devices: chunk.devices.map((d) => [d.id, JSON.stringify(d)]),
    commands: chunk.commands.map((c) => [c.id, c.device, c.created, JSON.stringify(c)]),
    meta,
  };
}

export interface RowWriter {
  /** Writes the rows and their meta values atomically (BEGIN IMMEDIATE: a locked file fails at once, before any work). */
  write(rows: ChunkRows): void;
  /** Writes one meta value in its own transaction. */
  setMeta(key: MetaKey, value: number): void;
  meta(key: MetaKey): number;
}

export function createRowWriter(db: Db): RowWriter {
  const messageRows = new RowBatch(db, (values) => `INSERT INTO history_messages (seq, ts, topic, device, kind, data, scope, props) VALUES ${values}`, 8);
  const insertEvent = db.prepare('INSERT INTO history_events (seq, ts, device, kind, topic, data, props) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const pointRows = new RowBatch(db, (values) => `INSERT INTO history_points (series, ts, seq, value) VALUES ${values}`, 4);
  const findSeries = db.prepare('SELECT id FROM history_series WHERE device = ? AND metric = ?').pluck();
  const insertSeries = db.prepare('INSERT INTO history_series (device, metric) VALUES (?, ?)');
  const cellRows = ROLLUPS.map(({ width, table }) => ({
    width,
    cells: new RowBatch(
      db,
      (values) => `INSERT INTO ${table} (series, bucket, sum_v, min_v, max_v, n) VALUES ${values}
       ON CONFLICT (series, bucket) DO UPDATE SET sum_v = sum_v + excluded.sum_v,
         min_v = min(min_v, excluded.min_v), max_v = max(max_v, excluded.max_v), n = n + excluded.n`,
      6,
    ),
  }));
  const batches = [messageRows, pointRows, ...cellRows.map((c) => c.cells)];
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

  const writeChunk = db.transaction((rows: ChunkRows, created: Map<string, number>) => {
    const points: Point[] = [];
    const m = rows.messages;
    for (let i = 0; i < m.length; i += MESSAGE_FIELDS) {
      // Read in place (no array per message): the order rowsOf writes them in.
      const seq = m[i] as number;
      const ts = m[i + 1] as number;
      const topic = m[i + 2] as string;
      const device = m[i + 3] as string | null;
      const kind = m[i + 4] as MessageKind;
      const data = m[i + 5] as string;
      const props = m[i + 6] as string | null;
      messageRows.add(seq, ts, topic, device, kind, data, topicScope(topic), props);
      if (kind === 'event' || kind === 'reject') insertEvent.run(seq, ts, device, kind, topic, data, props);
      if (kind !== 'telemetry' || device === null) continue;
      const msg: HubMessage = { seq, ts, topic, device, kind, data: JSON.parse(data) as HubMessage['data'] };
      for (const r of readingsOf(msg)) {
        const series = seriesOf(device, r.metric, created);
        pointRows.add(series, ts, seq, r.value);
        points.push({ series, ts, value: r.value });
      }
    }
    for (const { width, cells } of cellRows) {
      for (const c of rollUp(points, width)) cells.add(c.series, c.bucket, c.sum, c.min, c.max, c.n);
    }
    for (const batch of batches) batch.flush();
    for (const [id, view] of rows.devices) upsertDevice.run(id, view);
    for (const [id, device, createdAt, view] of rows.commands) upsertCommand.run(id, device, createdAt, view);
    for (const [key, value] of Object.entries(rows.meta)) updateMeta.run(value, key);
  });

  return {
    write(rows) {
      const created = new Map<string, number>();
      try {
        writeChunk.immediate(rows, created);
      } finally {
        for (const batch of batches) batch.clear();
      }
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
