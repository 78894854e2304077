/**
 * Writes one chunk of the write queue as one transaction: the message log, the time-series
 * points and their rollups (a minute's cells at a time, rollup-writer.ts), events, registry
 * entries, commands, and the seq bookkeeping.
 * Every statement is prepared once; rows of the message log, points and rollups go in
 * multi-row statements (row-batch.ts). The chunk travels as ChunkRows, plain values made on the
 * main thread (rowsOf), because the writer may run on the commit thread (commit-thread.ts),
 * and cloning flat strings and numbers to it costs far less than cloning message objects.
 */
import type { Db } from '../../storage/database.js';
import type { HubMessage, MessageKind } from '../../protocol/message.js';
import { readingsOf } from '../../protocol/readings.js';
import { RowBatch } from './row-batch.js';
import { createRollupWriter } from './rollup-writer.js';
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

/** Series ids by device, then metric: found without building a key string for every reading. */
type SeriesIds = Map<string, Map<string, number>>;

function setSeriesId(ids: SeriesIds, device: string, metric: string, id: number): void {
  let metrics = ids.get(device);
  if (!metrics) ids.set(device, (metrics = new Map()));
  metrics.set(metric, id);
}

export interface RowWriter {
  /** Writes the rows and their meta values atomically (BEGIN IMMEDIATE: a locked file fails at once, before any work). */
  write(rows: ChunkRows): void;
  /** Writes the rollup cells the writer holds, in a transaction of its own: on close. Returns whether it did (rollup-writer.ts). */
  flushRollups(): boolean;
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
  const rollups = createRollupWriter(db);
  const batches = [messageRows, pointRows, ...rollups.batches];
  const upsertDevice = db.prepare('INSERT INTO history_devices (id, view) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET view = excluded.view');
  const upsertCommand = db.prepare(
    'INSERT INTO history_commands (id, device, created, view) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET device = excluded.device, created = excluded.created, view = excluded.view',
  );
  const updateMeta = db.prepare('UPDATE history_meta SET value = ? WHERE key = ?');
  const readMeta = db.prepare('SELECT value FROM history_meta WHERE key = ?').pluck();

  const seriesIds: SeriesIds = new Map();

  /** The series id, creating the row; ids made in a transaction join the cache only once it commits. */
  function seriesOf(device: string, metric: string, created: SeriesIds): number {
    const known = seriesIds.get(device)?.get(metric) ?? created.get(device)?.get(metric);
    if (known !== undefined) return known;
    const found = findSeries.get(device, metric) as number | undefined;
    const id = found ?? Number(insertSeries.run(device, metric).lastInsertRowid);
    setSeriesId(created, device, metric, id);
    return id;
  }

  const writeChunk = db.transaction((rows: ChunkRows, created: SeriesIds) => {
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
        rollups.add(series, ts, r.value);
      }
    }
    rollups.stage();
    for (const batch of batches) batch.flush();
    for (const [id, view] of rows.devices) upsertDevice.run(id, view);
    for (const [id, device, createdAt, view] of rows.commands) upsertCommand.run(id, device, createdAt, view);
    for (const [key, value] of Object.entries(rows.meta)) updateMeta.run(value, key);
  });

  return {
    write(rows) {
      const created: SeriesIds = new Map();
      rollups.begin();
      try {
        writeChunk.immediate(rows, created);
      } catch (err) {
        rollups.failed();
        throw err;
      } finally {
        for (const batch of batches) batch.clear();
      }
      rollups.committed();
      for (const [device, metrics] of created) for (const [metric, id] of metrics) setSeriesId(seriesIds, device, metric, id);
    },
    flushRollups: () => rollups.flushAll(),
    setMeta(key, value) {
      updateMeta.run(value, key);
    },
    meta(key) {
      return readMeta.get(key) as number;
    },
  };
}
