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
 * when the caller already has it (null: parse it again if needed); `lazy`: nobody on this node
 * waits for the commit (HistoryStore.append). Returns the store's commit promise. May throw;
 * the sequencer reports it.
 */
export type Apply = (msg: HubMessage, topic: DeviceTopic | null, lazy: boolean) => Promise<void>;

export interface Sequencer {
  /** The highest seq applied on this node, 0 when none ever was. */
  lastSeq(): number;
  /** The lowest seq this node can replay from (lastSeq() + 1 when none); older resume points get `reset`. */
  firstSeq(): number;
  /**
   * Stamps `entry` with the receive time and the next seq and gets it applied. Resolves once
   * this node has it on disk; rejects when it could not be sequenced or stored. Never throws,
   * and a dropped promise never becomes an unhandled rejection. `lazy`: the caller does not wait
   * for the promise (a QoS 0 publish), so the commit may wait to share a transaction.
   */
  submit(entry: MessageEntry, topic: DeviceTopic | null, lazy?: boolean): Promise<void>;
  /**
   * Sequences `entry` only if `guard` passes, checked atomically with taking the seq, so of
   * several nodes proposing one change at most one gets it sequenced. Resolves with the message
   * once applied here, or null when refused (another proposal got there first, or this node had
   * not applied the last change yet). Never throws; rejects as submit does.
   */
  propose(entry: MessageEntry, guard: Guard): Promise<HubMessage | null>;
  /** False while new messages cannot be sequenced (for /readyz). */
  ready(): boolean;
  /** Stops sequencing; later submits reject. */
  close(): Promise<void>;
}

/**
 * A compare-and-set beside the seq: `field` of `scope` holds a state and the seq of the message
 * that set it. A proposal passes when the field is unset, or holds `from` and was set at or
 * below `basis` (the proposer's last applied seq when it decided: it had seen that change).
 * On passing, the field holds `to` at the proposal's own seq.
 */
export interface Guard {
  scope: string;
  field: string;
  from: string;
  to: string;
  basis: number;
}

/** Whether a guard passes over its field's value (null: never set). The Redis sequencer does the same in Lua (seq-stream.ts). */
export const guardPasses = (current: { at: number; state: string } | null, g: Guard): boolean => current === null || (current.state === g.from && current.at <= g.basis);

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
  interface Job {
    entry: MessageEntry;
    topic: DeviceTopic | null;
    guard: Guard | null;
    lazy: boolean;
    done(applied: Applied | null): void;
  }
  /** A message APPLY ran on, and the store's commit promise for it. */
  interface Applied {
    msg: HubMessage;
    committed: Promise<void>;
  }
  const waiting: Job[] = [];
  /** The guards' fields. One process: memory is enough (after a restart every field is unset, and passes). */
  const guards = new Map<string, { at: number; state: string }>();
  const refuse = <T>(err: unknown): Promise<T> => {
    const failed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    failed.catch(() => undefined); // the caller reports it; a QoS 0 caller drops the promise
    return failed;
  };
  /** Null when the guard refused. */
  const applyNext = ({ entry, topic, guard, lazy }: Omit<Job, 'done'>): Applied | null => {
    const field = guard && `${guard.scope}\u0000${guard.field}`;
    if (guard && field) {
      if (!guardPasses(guards.get(field) ?? null, guard)) return null;
      guards.set(field, { at: last + 1, state: guard.to });
    }
    const msg: HubMessage = { seq: ++last, ts: Date.now(), ...entry };
    let committed: Promise<void>;
    try {
      committed = opts.apply(msg, topic, lazy);
    } catch (err) {
      committed = refuse(err);
    }
    return { msg, committed };
  };
  /**
   * Applies the job now, or after the APPLY in progress. The hot path allocates nothing per
   * message: it hands back the store's commit promise, which every message of a group commit
   * shares; only a job queued behind a running APPLY needs its own promise.
   */
  const sequence = (job: Omit<Job, 'done'>): Applied | null | Promise<Applied | null> => {
    if (applying) return new Promise<Applied | null>((done) => waiting.push({ ...job, done }));
    applying = true;
    try {
      const applied = applyNext(job);
      for (let next = waiting.shift(); next; next = waiting.shift()) next.done(applyNext(next));
      return applied;
    } finally {
      applying = false;
    }
  };
  const committedOf = (applied: Applied | null): Promise<void> => (applied === null ? Promise.resolve() : applied.committed);
  const messageOf = (applied: Applied | null): Promise<HubMessage | null> => (applied === null ? Promise.resolve(null) : applied.committed.then(() => applied.msg));
  /** A promise a caller may drop without an unhandled rejection. */
  const droppable = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return p;
  };
  return {
    lastSeq: () => last,
    firstSeq: () => opts.store.firstSeq(),
    submit(entry, topic, lazy = false) {
      if (closed) return refuse(new Error('the sequencer is closed'));
      const applied = sequence({ entry, topic, guard: null, lazy });
      // The store's promise already has a handler (write-queue.ts), so dropping it is safe.
      return applied instanceof Promise ? droppable(applied.then(committedOf)) : committedOf(applied);
    },
    propose(entry, guard) {
      if (closed) return refuse(new Error('the sequencer is closed'));
      // A proposer waits for its message (propose resolves with it once committed).
      const applied = sequence({ entry, topic: null, guard, lazy: false });
      return droppable(applied instanceof Promise ? applied.then(messageOf) : messageOf(applied));
    },
    ready: () => !closed,
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
