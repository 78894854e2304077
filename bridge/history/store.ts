/**
 * What the bridge needs from history. The SQLite implementation lives beside this file;
 * ingest, resume and the REST routes depend only on this interface.
 */
import type { ErrorCode } from '../../protocol/errors.js';
import type { CommandView, DeviceView, HistoryBody, HubMessage } from '../../protocol/message.js';

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

export type QueryResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; error: string };

export interface MessagePage {
  /** Matching messages with seq > after, ascending. */
  messages: HubMessage[];
  /** The highest seq examined: ask again from here while it is below lastSeq(). */
  next: number;
}

export interface HistoryStore {
  /** The highest seq ever appended, 0 when none. Seq continues from here after a restart. */
  lastSeq(): number;
  /** The lowest seq still kept (lastSeq() + 1 when the log is empty); older resume points get `reset`. */
  firstSeq(): number;
  /**
   * Queues a message (its seq already assigned, strictly above every earlier one) for the
   * next group commit, and derives its time series points, events and rollups in the same
   * transaction. Visible to `messagesAfter` at once; the promise settles once it is on disk.
   */
  append(msg: HubMessage): Promise<void>;
  /** Messages after `after` that match any filter, including ones not yet committed; scans a bounded number of rows. */
  messagesAfter(after: number, filters: readonly string[], limit: number): MessagePage;
  /** Upserts a registry entry in the next group commit. */
  saveDevice(device: DeviceView): void;
  devices(): DeviceView[];
  /** Upserts a command in the next group commit. */
  saveCommand(command: CommandView): void;
  command(id: string): CommandView | undefined;
  history(q: HistoryQuery): QueryResult<HistoryBody>;
  events(q: EventQuery): QueryResult<HubMessage[]>;
  /** Settles when everything appended so far is on disk. */
  flush(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}
