/**
 * The sequencer joins ingest's two halves: ADMIT (parse and validate a publish into an entry
 * without seq, ingest.ts) and APPLY (store, fan out, settle the command, update the registry,
 * apply.ts). It gives each entry its seq and makes sure APPLY runs for every message, once, in
 * seq order. Two implementations share this interface (STYLE.md §10): the local one below, for
 * one process, and the Redis one in bridge/cluster/, for a cluster of nodes.
 */
import type { HubMessage } from '../../protocol/message.js';
import type { DeviceTopic } from '../../protocol/names.js';
import type { HistoryStore } from '../history/store.js';

/** A message as ADMIT builds it: everything but the seq and the receive time. */
export type MessageEntry = Omit<HubMessage, 'seq' | 'ts'>;

/**
 * Stores and delivers one sequenced message on this node. `topic` is the parsed contract topic
 * when the caller already has it (null: parse it again if needed). Returns the store's commit
 * promise. May throw; the sequencer reports it.
 */
export type Apply = (msg: HubMessage, topic: DeviceTopic | null) => Promise<void>;

export interface Sequencer {
  /** The highest seq applied on this node, 0 when none ever was. */
  lastSeq(): number;
  /** The lowest seq this node can replay from (lastSeq() + 1 when none); older resume points get `reset`. */
  firstSeq(): number;
  /**
   * Stamps `entry` with the receive time and the next seq and gets it applied. Resolves once
   * this node has it on disk; rejects when it could not be sequenced or stored. Never throws,
   * and a dropped promise never becomes an unhandled rejection.
   */
  submit(entry: MessageEntry, topic: DeviceTopic | null): Promise<void>;
  /** False while new messages cannot be sequenced (for /readyz). */
  ready(): boolean;
  /** Stops sequencing; later submits reject. */
  close(): Promise<void>;
}

export interface SequencerOptions {
  store: Pick<HistoryStore, 'lastSeq' | 'firstSeq' | 'messagesAfter'>;
  apply: Apply;
}

/** Builds the sequencer that gives messages their seq (the bridge's default: createLocalSequencer). */
export type SequencerFactory = (opts: SequencerOptions) => Sequencer | Promise<Sequencer>;

/**
 * One process: seq is `last + 1` and APPLY runs synchronously inside submit, so a message is
 * stored and fanned out before submit returns — exactly the single-node hot path.
 */
export function createLocalSequencer(opts: SequencerOptions): Sequencer {
  let last = opts.store.lastSeq();
  let closed = false;
  const refuse = (err: unknown): Promise<void> => {
    const failed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    failed.catch(() => undefined); // the caller reports it; a QoS 0 caller drops the promise
    return failed;
  };
  return {
    lastSeq: () => last,
    firstSeq: () => opts.store.firstSeq(),
    submit(entry, topic) {
      if (closed) return refuse(new Error('the sequencer is closed'));
      try {
        return opts.apply({ seq: ++last, ts: Date.now(), ...entry }, topic);
      } catch (err) {
        return refuse(err);
      }
    },
    ready: () => !closed,
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
