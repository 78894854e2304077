/**
 * The sequencer joins ingest's two halves: ADMIT (parse and validate a publish into an entry
 * without seq, ingest.ts) and APPLY (record, fan out, settle ack, keep remote command, update
 * registry, apply.ts). It gives each entry its seq and makes sure APPLY runs for every message, once, in
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
 * stored and fanned out before submit returns — exactly the single-node hot path. A submit made
 * during an APPLY (a command settled by the ack being applied) waits until that APPLY is done,
 * as it does on the Redis sequencer, so steps never see messages out of seq order.
 */
export function createLocalSequencer(opts: SequencerOptions): Sequencer {
  let last = opts.store.lastSeq();
  let closed = false;
  let applying = false;
  const waiting: { entry: MessageEntry; topic: DeviceTopic | null; done(committed: Promise<void>): void }[] = [];
  const refuse = (err: unknown): Promise<void> => {
    const failed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    failed.catch(() => undefined); // the caller reports it; a QoS 0 caller drops the promise
    return failed;
  };
  const applyNext = (entry: MessageEntry, topic: DeviceTopic | null): Promise<void> => {
    try {
      return opts.apply({ seq: ++last, ts: Date.now(), ...entry }, topic);
    } catch (err) {
      return refuse(err);
    }
  };
  return {
    lastSeq: () => last,
    firstSeq: () => opts.store.firstSeq(),
    submit(entry, topic) {
      if (closed) return refuse(new Error('the sequencer is closed'));
      if (applying) {
        const queued = new Promise<void>((done) => waiting.push({ entry, topic, done }));
        queued.catch(() => undefined); // as for refuse()
        return queued;
      }
      applying = true;
      try {
        const committed = applyNext(entry, topic);
        for (let next = waiting.shift(); next; next = waiting.shift()) next.done(applyNext(next.entry, next.topic));
        return committed;
      } finally {
        applying = false;
      }
    },
    ready: () => !closed,
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
