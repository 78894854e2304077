/**
 * What the bridge needs from history. The SQLite implementation lives beside this file;
 * ingest, resume and the REST routes depend only on this interface.
 */
import type { Result } from '../../protocol/errors.js';
import type { CommandView, DeviceView, HistoryBody, HubMessage } from '../../protocol/message.js';
import type { RawRetention, RetentionScope, RetentionSettings } from './raw-retention.js';
import type { ReadingRow, RowPages } from './row-pages.js';

export interface HistoryQuery {
  device: string;
  metric: string;
  /** ms since epoch, inclusive */
  from: number;
  /** ms since epoch, exclusive */
  to: number;
  /** bucket width in ms; undefined: the store picks one that gives about `points` buckets */
  step?: number;
  points?: number;
}

export interface EventQuery {
  device?: string;
  from?: number;
  to?: number;
  limit?: number;
}

/** A range to export: [from, to) in ms since the epoch. */
export interface ExportRange {
  device?: string;
  from: number;
  to: number;
}

export interface CommandQuery {
  device?: string;
  /** ms since epoch, inclusive, on the command's creation */
  from?: number;
  /** ms since epoch, exclusive */
  to?: number;
  limit?: number;
  /** The `next` cursor of the page before. */
  before?: string;
}

/** A page of the command history, newest first; `next` is null on the last page. */
export interface CommandPage {
  commands: CommandView[];
  next: string | null;
}

export interface MessagePage {
  /** Matching messages with seq > after, ascending. */
  messages: HubMessage[];
  /** The highest seq examined: ask again from here while it is below lastSeq(). */
  next: number;
}

/** Whether history writes reach the disk, for /healthz and the dashboard. */
export interface HistoryHealth {
  /** False while commits fail (disk full, read-only or locked file); `error` says why. */
  writable: boolean;
  error: string | null;
  /** Messages waiting for their group commit. */
  pending: number;
  /** Messages refused since start because the write queue was full (a gap resumes report as `reset`). */
  dropped: number;
}

export interface HistoryStore {
  /**
   * The highest seq ever appended, 0 when none. Seq continues from here after a restart; after
   * a crash it may be above the last stored seq, so a seq a browser saw live is never reused.
   */
  lastSeq(): number;
  /** The lowest seq still kept (lastSeq() + 1 when the log is empty); older resume points get `reset`. */
  firstSeq(): number;
  /**
   * Queues a message (its seq already assigned, strictly above every earlier one) for the
   * next group commit, and derives its time series points, events and rollups in the same
   * transaction. Visible to `messagesAfter` at once; the promise settles once it is on disk.
   * Never throws. The promise stays pending while the disk refuses writes (they are retried),
   * and rejects without queueing when the seq is not above lastSeq(), the data is not JSON,
   * the store is closed, or the write queue is full (resumes across that seq then get `reset`).
   * `lazy`: nobody waits for the promise (a QoS 0 publish), so the commit may wait up to
   * lazyCommitMs to share its transaction with more (options.ts).
   */
  append(msg: HubMessage, lazy?: boolean): Promise<void>;
  /** Messages after `after` that match any filter, including ones not yet committed; scans a bounded number of rows. */
  messagesAfter(after: number, filters: readonly string[], limit: number): MessagePage;
  /** Upserts a registry entry in the next group commit. */
  saveDevice(device: DeviceView): void;
  devices(): DeviceView[];
  /** Upserts a command in the next group commit. */
  saveCommand(command: CommandView): void;
  command(id: string): CommandView | undefined;
  /** The command history, newest first, including commands not yet committed. */
  commands(q: CommandQuery): Result<CommandPage>;
  history(q: HistoryQuery): Result<HistoryBody>;
  events(q: EventQuery): Result<HubMessage[]>;
  /** Raw readings of one metric of one device for export, oldest first, page by page; no row cap. */
  readingPages(q: ExportRange & { device: string; metric: string }): Result<RowPages<ReadingRow>>;
  /** Stored events and rejects for export, oldest first, page by page; no row cap. */
  eventPages(q: ExportRange): Result<RowPages<HubMessage>>;
  /** Raw-reading retention: the default and the settings per device and per model. */
  retention(): RetentionSettings;
  /** Sets a device's or model's raw retention in ms (0: forever), or clears it (null). */
  setRetention(scope: RetentionScope, name: string, rawMs: number | null): void;
  /** The raw retention that applies to a device, and where it comes from. */
  retentionOf(device: string): RawRetention;
  /** Settles when everything appended so far is on disk. */
  flush(): Promise<void>;
  health(): HistoryHealth;
  /** Flushes and closes. */
  close(): Promise<void>;
}
