/**
 * The history store on SQLite: assembles the write queue, the group commit, the message
 * log, the queries and retention over one shared connection, and keeps the seq bookkeeping.
 */
import type { CommandView, DeviceView, HubMessage } from '../../protocol/message.js';
import { startCheckpointer } from '../../storage/checkpointer.js';
import { migrate } from '../../storage/database.js';
import { createCommandQuery } from './command-query.js';
import { createEventQuery } from './event-query.js';
import { checkDevice, checkMetric, checkRange, firstFailure } from '../../http/params.js';
import { createRowPageReaders } from './row-pages.js';
import { inlineWriter, threadWriter } from './chunk-writer.js';
import { createGroupCommit } from './group-commit.js';
import { createMessageLog } from './message-log.js';
import { createHistoryMetrics } from './metrics.js';
import { type HistoryOptions, resolveOptions } from './options.js';
import { createRawRetention } from './raw-retention.js';
import { type PruneReport, createPruner } from './retention.js';
import { type MetaKey, createRowWriter } from './row-writer.js';
import { HISTORY_MIGRATIONS, HISTORY_PART } from './schema.js';
import { createSeriesQuery } from './series-query.js';
import type { HistoryStore } from './store.js';
import { withoutLockWait } from './write-guard.js';
import { WriteQueue } from './write-queue.js';

/**
 * Seqs are reserved on disk this far ahead of the last one handed out, so that after a
 * crash the hub continues above every seq a browser may have seen live (CONTRACT.md: never
 * reused). The cost is a jump of at most this much after a kill -9; a clean close has none.
 */
const SEQ_RESERVE = 10_000;
/** Batches the queue may hold before commits run inside append() (see group-commit.ts). */
const INLINE_BATCHES = 4;
/** How long close() keeps retrying a failing commit before giving the rest up. */
const CLOSE_TIMEOUT_MS = 5_000;

/** append() refused a message because maxPending messages already wait for the disk. */
export class HistoryBacklogError extends Error {
  override readonly name = 'HistoryBacklogError';
}

export interface SqliteHistoryStore extends HistoryStore {
  /** Runs one retention pass now (the store also runs one every pruneIntervalMs). */
  prune(): Promise<PruneReport>;
}

const refuse = (err: Error): Promise<void> => {
  const p = Promise.reject(err);
  p.catch(() => undefined); // a QoS 0 caller drops the promise: that must not be an unhandled rejection
  return p;
};

/**
 * Opens the history store: applies the `history` migrations, reads the registry and the
 * seq bookkeeping, and starts group commit and retention. Throws when the schema cannot be
 * prepared (a read-only file that was never migrated, a newer schema). close() does not
 * close the connection: the hub that opened it does.
 */
export function createHistoryStore(opts: HistoryOptions): SqliteHistoryStore {
  const o = resolveOptions(opts);
  const { db } = o;
  try {
    migrate(db, HISTORY_PART, HISTORY_MIGRATIONS);
  } catch (err) {
    throw new Error(`history: cannot prepare the database schema: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const logger = o.logger.child({ part: 'history' });
  const writer = createRowWriter(db);
  const stored = (db.prepare('SELECT max(seq) FROM history_messages').pluck().get() as number | null) ?? 0;
  const devices = new Map<string, DeviceView>();
  for (const view of db.prepare('SELECT view FROM history_devices').pluck().all() as string[]) {
    const d = JSON.parse(view) as DeviceView;
    devices.set(d.id, d);
  }
  const readCommand = db.prepare('SELECT view FROM history_commands WHERE id = ?').pluck();

  let reserved = writer.meta('seq_reserved');
  let reserveFailed = false;
  let floor = writer.meta('log_floor');
  let floorOnDisk = floor;
  let last = Math.max(stored, reserved);
  let dropped = 0;
  let overflowing = false;
  let closing: Promise<void> | null = null;

  // An in-memory database exists on this connection only.
  const onThread = o.commitThread && !db.memory;
  // A commit thread writes most pages, a read-only file none: only then is there a WAL to take off the writers.
  const checkpointer = onThread && !db.readonly ? startCheckpointer(db, logger) : null;
  const queue = new WriteQueue(o.maxPending, stored);
  const metrics = createHistoryMetrics(o.metrics, { pending: () => queue.size, writable: () => committer.failure() === null });
  const committer = createGroupCommit({
    queue,
    writer: onThread ? threadWriter(db.name, db.readonly) : inlineWriter(db, writer),
    intervalMs: o.commitIntervalMs,
    lazyMs: o.lazyCommitMs,
    maxBatch: o.maxBatch,
    inlineAt: Math.min(o.maxPending, INLINE_BATCHES * o.maxBatch),
    logger,
    metrics,
    metaFor() {
      const meta: Partial<Record<MetaKey, number>> = {};
      if (last + SEQ_RESERVE / 2 > reserved) meta.seq_reserved = last + SEQ_RESERVE;
      if (floor > floorOnDisk) meta.log_floor = floor;
      return meta;
    },
    onCommitted(meta) {
      if (meta.seq_reserved !== undefined) reserved = meta.seq_reserved;
      if (meta.log_floor !== undefined) floorOnDisk = meta.log_floor;
      reserveFailed = false;
      if (overflowing && queue.size < o.maxPending) {
        overflowing = false;
        logger.warn({ dropped }, 'history write queue has room again');
      }
    },
  });
  const log = createMessageLog({ db, queue, scanLimit: o.scanLimit, lastSeq: () => last, floor: () => floor });
  const knownDevice = (id: string): boolean => devices.has(id);
  const history = createSeriesQuery({ db, maxScanRows: o.maxScanRows, knownDevice });
  const events = createEventQuery({ db, knownDevice });
  const pages = createRowPageReaders(db);
  const commands = createCommandQuery({ db, knownDevice, queued: () => queue.queuedCommands() });
  const rawRetention = createRawRetention(db, o.retention.rawMs);
  const rawMsOf = (device: string): number => rawRetention.of(device, devices.get(device)?.model ?? null).rawMs;
  const pruner = createPruner({ db, retention: o.retention, chunk: o.pruneChunk, intervalMs: o.pruneIntervalMs, now: o.now, logger, metrics, rawMsOf });

  /** More seqs went out between two commits than the reserve covers: reserve now, once per failure. */
  function reserveAhead(): void {
    try {
      withoutLockWait(db, () => writer.setMeta('seq_reserved', last + SEQ_RESERVE));
      reserved = last + SEQ_RESERVE;
    } catch {
      reserveFailed = true; // the commit retry reports the failure; the next good commit reserves
    }
  }

  function overflow(msg: HubMessage): Promise<void> {
    dropped++;
    metrics.dropped.inc();
    floor = msg.seq;
    if (!overflowing) {
      overflowing = true;
      logger.error(
        { maxPending: o.maxPending, reason: committer.failure()?.reason ?? 'slow' },
        'history write queue is full: new messages are not stored until the disk catches up; live delivery continues and resumes across the gap get reset',
      );
    }
    return refuse(new HistoryBacklogError(`history write queue is full (${o.maxPending} messages wait for the disk): message ${msg.seq} not stored`));
  }

  return {
    lastSeq: () => last,
    firstSeq: () => log.firstSeq(),
    append(msg, lazy = false) {
      if (closing) return refuse(new Error('history store is closed'));
      if (!Number.isSafeInteger(msg.seq) || msg.seq <= last) return refuse(new Error(`seq ${msg.seq} is not above the last seq ${last}`));
      let data: string | undefined;
      try {
        data = JSON.stringify(msg.data);
      } catch {
        data = undefined;
      }
      if (data === undefined) return refuse(new Error(`message ${msg.seq} has data that is not JSON`));
      last = msg.seq;
      if (last > reserved && !reserveFailed) reserveAhead();
      const committed = queue.push({ msg, data });
      if (!committed) return overflow(msg);
      committer.schedule(lazy);
      return committed;
    },
    messagesAfter: (after, filters, limit) => log.after(after, filters, limit),
    saveDevice(device) {
      devices.set(device.id, device);
      queue.saveDevice(device);
      committer.schedule(true);
    },
    devices: () => [...devices.values()],
    saveCommand(command) {
      queue.saveCommand(command);
      committer.schedule(true);
    },
    command(id) {
      const pending = queue.pendingCommand(id);
      if (pending) return pending;
      const view = readCommand.get(id) as string | undefined;
      return view === undefined ? undefined : (JSON.parse(view) as CommandView);
    },
    commands,
    history,
    events,
    readingPages(q) {
      const checked = firstFailure(checkDevice(q.device, knownDevice), checkMetric(q.metric), checkRange(q.from, q.to));
      return checked.ok ? { ok: true, value: pages.readings(q.device, q.metric, q.from, q.to) } : checked;
    },
    eventPages(q) {
      const checked = firstFailure(q.device === undefined ? { ok: true, value: true } : checkDevice(q.device, knownDevice), checkRange(q.from, q.to));
      return checked.ok ? { ok: true, value: pages.events(q.device, q.from, q.to) } : checked;
    },
    retention: () => rawRetention.settings(),
    setRetention: (scope, name, rawMs) => rawRetention.set(scope, name, rawMs),
    retentionOf: (device) => rawRetention.of(device, devices.get(device)?.model ?? null),
    flush() {
      const done = queue.flushed();
      committer.hurry();
      return done;
    },
    health() {
      const failure = committer.failure();
      return { writable: failure === null, error: failure?.message ?? null, pending: queue.size, dropped };
    },
    prune: () => pruner.prune(),
    close() {
      closing ??= (async () => {
        await pruner.close();
        const lost = await committer.close(Date.now() + CLOSE_TIMEOUT_MS);
        if (lost > 0) floor = last;
        try {
          // A clean stop hands out no seq beyond the last: the next start continues at last + 1.
          withoutLockWait(db, () => {
            writer.setMeta('seq_reserved', last);
            if (floor > floorOnDisk) writer.setMeta('log_floor', floor);
          });
        } catch (err) {
          logger.warn({ err }, 'history could not record the last seq; the next start continues above the reserve');
        }
        await checkpointer?.close();
      })();
      return closing;
    },
  };
}
