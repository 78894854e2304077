/**
 * The record step of APPLY: every sequenced message is appended to the store (visible to replay
 * at once) and then fanned out in the same synchronous step, so live delivery and replay always
 * agree. The seq itself comes from the sequencer (sequencer.ts).
 */
import type { Logger } from 'pino';
import type { HubMessage } from '../../protocol/message.js';
import type { HistoryStore } from '../history/store.js';
import type { BridgeMetrics } from '../metrics.js';

export interface MessageLog {
  /** Appends `msg` (its seq above every earlier one), then fans it out. Never throws; the promise settles once it is on disk. */
  record(msg: HubMessage): Promise<void>;
}

export interface MessageLogOptions {
  store: Pick<HistoryStore, 'append'>;
  fanOut(msg: HubMessage): void;
  metrics: BridgeMetrics;
  logger: Logger;
}

export function createMessageLog(opts: MessageLogOptions): MessageLog {
  return {
    record(msg) {
      let committed: Promise<void>;
      try {
        committed = opts.store.append(msg);
      } catch (err) {
        // Not in the store means replay would never show it: do not show it live either.
        opts.logger.error({ err, seq: msg.seq, topic: msg.topic }, 'store refused a message');
        committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        committed.catch(() => undefined); // logged above; a QoS 0 caller never awaits it
        return committed;
      }
      // The store reports why its commits fail (once, not per message); here only the detail.
      committed.catch((err: unknown) => opts.logger.debug({ err, seq: msg.seq, topic: msg.topic }, 'message not committed'));
      opts.metrics.messages.inc({ kind: msg.kind });
      opts.fanOut(msg);
      return committed;
    },
  };
}
