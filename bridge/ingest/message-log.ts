/**
 * The one place a message gets its seq. Seq continues from the store's last one after a
 * restart; every message is appended to the store (visible to replay at once) and then fanned
 * out in the same synchronous step, so live delivery and replay always agree.
 */
import type { Logger } from 'pino';
import type { HubMessage } from '../../protocol/message.js';
import type { HistoryStore } from '../history/store.js';
import type { BridgeMetrics } from '../metrics.js';

export type MessageEntry = Omit<HubMessage, 'seq' | 'ts'>;

export interface Recorded {
  msg: HubMessage;
  /** Settles once the message is on disk (the store's group commit). */
  committed: Promise<void>;
}

export interface MessageLog {
  /** The highest seq recorded, 0 when none ever was. */
  lastSeq(): number;
  /** Stamps `entry` with the next seq and the receive time, appends it, then fans it out. Never throws. */
  record(entry: MessageEntry): Recorded;
}

export interface MessageLogOptions {
  store: Pick<HistoryStore, 'append' | 'lastSeq'>;
  fanOut(msg: HubMessage): void;
  metrics: BridgeMetrics;
  logger: Logger;
}

export function createMessageLog(opts: MessageLogOptions): MessageLog {
  let last = opts.store.lastSeq();
  return {
    lastSeq: () => last,
    record(entry) {
      const msg: HubMessage = { seq: ++last, ts: Date.now(), ...entry };
      let committed: Promise<void>;
      try {
        committed = opts.store.append(msg);
      } catch (err) {
        // Not in the store means replay would never show it: do not show it live either.
        opts.logger.error({ err, seq: msg.seq, topic: msg.topic }, 'store refused a message');
        committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        committed.catch(() => undefined); // logged above; a QoS 0 caller never awaits it
        return { msg, committed };
      }
      // The store reports why its commits fail (once, not per message); here only the detail.
      committed.catch((err: unknown) => opts.logger.debug({ err, seq: msg.seq, topic: msg.topic }, 'message not committed'));
      opts.metrics.messages.inc({ kind: msg.kind });
      opts.fanOut(msg);
      return { msg, committed };
    },
  };
}
