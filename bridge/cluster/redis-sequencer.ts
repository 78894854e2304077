/**
 * The cluster sequencer (the Redis implementation of sequencer.ts). submit() runs one script
 * that takes the next seq from the shared counter and appends the message to the shared
 * stream; a reader on every node, the origin too, reads the stream in order from its store's
 * last seq and APPLYs each message. So every node's store is a full replica holding each
 * message once, every node fans out every message, and all agree on one seq order — a browser
 * may resume on any node. The origin's promise settles when its own APPLY has committed the
 * message, so a PUBACK means the message is in Redis and on this node's disk. propose() runs a
 * variant of the script that first checks and sets a guard (sequencer.ts Guard) in a hash beside
 * the counter: check, seq and append are one atomic step, so two nodes proposing one change
 * cannot both get it sequenced.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Db } from '../../storage/database.js';
import type { HubMessage } from '../../protocol/message.js';
import type { Guard, MessageEntry, SequencerFactory } from '../ingest/sequencer.js';
import { createRedisLink } from './redis-link.js';
import { highestStoredSeq, openReplicaFloor } from './replica-floor.js';
import { DEFAULT_KEYS, type StreamKeys, decodeEntry, defineSeqCommands, encodeEntry, guardKey, holdsBetween, trimmedThrough } from './seq-stream.js';

export interface ClusterOptions {
  /** redis:// or rediss:// */
  url: string;
  /** The node's database, for the replica floor (replica-floor.ts). */
  db: Db;
  /** Messages the stream keeps (approximately, MAXLEN ~); a node away longer than that resumes with `reset`. Default 100 000. */
  streamLength?: number;
  /** ms a submit waits for its message to be applied here before it is refused; default 5 000. */
  applyWaitMs?: number;
  /** Submits waiting to be applied at once; more are refused. Default 10 000. */
  maxWaiting?: number;
  /** ms start-up waits for Redis before going on not ready; default 10 000. */
  connectWaitMs?: number;
  keys?: StreamKeys;
  logger: Logger;
  metrics: Registry;
}

/** Entries one XREAD returns at most, and how long it blocks (ms) before asking again. */
const READ_BATCH = 500;
const READ_BLOCK_MS = 5_000;
/** ms between attempts when a read fails (Redis away); ioredis itself waits for the reconnect. */
const READ_RETRY_MS = 250;

interface Waiter {
  /** The submitter does not wait for the commit (Sequencer.submit). */
  lazy: boolean;
  /** The message applied here (its commit pending), or null: the guard refused it. */
  resolve(applied: Promise<HubMessage> | null): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Returns the bridge's `sequencer` factory for a cluster node. */
export function redisSequencer(o: ClusterOptions): SequencerFactory {
  return async ({ store, apply }) => {
    const logger = o.logger.child({ part: 'cluster' });
    const keys = o.keys ?? DEFAULT_KEYS;
    const streamLength = o.streamLength ?? 100_000;
    const applyWaitMs = o.applyWaitMs ?? 5_000;
    const maxWaiting = o.maxWaiting ?? 10_000;
    const refused = new Counter({ name: 'fleetwire_cluster_refused_total', help: 'Messages not sequenced: Redis unreachable, or not applied in time (QoS 0 ones are dropped, QoS 1/2 ones resent)', registers: [o.metrics] });
    const floor = openReplicaFloor(o.db, logger);
    const link = createRedisLink(o.url, logger);
    const seq = defineSeqCommands(link.cmd);
    const node = randomBytes(6).toString('hex');
    const waiters = new Map<string, Waiter>();
    let last = store.lastSeq();
    let tokens = 0;
    let closed = false;
    // Checked on start and after every reconnect of the reader (holes may open while away).
    let check = true;
    let crashChecked = false;
    link.onReaderReady(() => (check = true));

    const refuse = <T>(why: string): Promise<T> => {
      refused.inc();
      const p = Promise.reject<T>(new Error(why));
      p.catch(() => undefined); // a QoS 0 caller drops the promise
      return p;
    };

    /** Raises the floor over what this node can no longer get from the stream. */
    const findHoles = async (): Promise<void> => {
      if (!crashChecked) {
        // After a kill, the store continues above a reserve of seqs; others may have used them.
        const stored = highestStoredSeq(store);
        if (stored < last && (await holdsBetween(link.reader, keys.stream, stored + 1, last))) floor.raise(last, 'messages the cluster sequenced while this node was down are below its restart seq');
        crashChecked = true;
      }
      await trimmedPast();
      await seq.fleetwireLift(keys.counter, keys.stream, last);
    };

    /** Raises the floor when messages after this node's last seq were trimmed before it read them. */
    const trimmedPast = async (): Promise<void> => {
      const trimmed = await trimmedThrough(link.reader, keys.stream);
      if (trimmed > last) floor.raise(trimmed, 'the stream was trimmed past this node\'s last seq');
    };

    const applyEntry = (id: string, fields: string[]): void => {
      const entry = decodeEntry(id, fields);
      if (!(entry.seq > last)) return;
      last = entry.seq;
      const { msg } = entry;
      const waiter = waiters.get(entry.origin);
      let committed: Promise<void>;
      if (msg === null) {
        floor.raise(entry.seq, 'a stream entry could not be read');
        committed = Promise.reject(new Error(`stream entry ${id} is not a message`));
      } else {
        try {
          // This node's submit says whether it waits for the commit; nobody here waits for another node's.
          committed = apply(msg, null, waiter?.lazy ?? true);
        } catch (err) {
          logger.error({ err, seq: entry.seq, topic: msg.topic }, 'applying a cluster message failed');
          committed = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
      committed.catch(() => undefined); // the store logs commit failures; the waiter sees it
      if (!waiter) return;
      waiters.delete(entry.origin);
      clearTimeout(waiter.timer);
      waiter.resolve(committed.then(() => msg as HubMessage));
    };

    const readLoop = async (): Promise<void> => {
      while (!closed) {
        try {
          if (check) {
            check = false;
            await findHoles();
          }
          const reply = (await link.reader.xread('COUNT', READ_BATCH, 'BLOCK', READ_BLOCK_MS, 'STREAMS', keys.stream, `${last}-0`)) as [string, [string, string[]][]][] | null;
          const entries = reply?.[0]?.[1] ?? [];
          // A jump in seq is either the counter lifted or entries trimmed before this node read them.
          if (entries.length > 0 && Number.parseInt(entries[0]?.[0] ?? '', 10) > last + 1) await trimmedPast();
          for (const [id, fields] of entries) applyEntry(id, fields);
        } catch (err) {
          if (closed) return;
          check = true;
          logger.debug({ err }, 'stream read failed; retrying');
          await new Promise((r) => setTimeout(r, READ_RETRY_MS).unref());
        }
      }
    };

    /** A promise a caller may drop without an unhandled rejection (a QoS 0 caller does). */
    const droppable = <T>(p: Promise<T>): Promise<T> => {
      p.catch(() => undefined);
      return p;
    };

    /** Runs the submit script (or, with a guard, the propose script) and waits for this node to apply the message. */
    const sequence = (entry: MessageEntry, guard: Guard | null, lazy: boolean): Promise<HubMessage | null> => {
      if (closed) return refuse('the cluster sequencer is closed');
      if (!link.up()) return refuse('Redis is unreachable: the message was not sequenced');
      if (waiters.size >= maxWaiting) return refuse(`${waiters.size} messages already wait to be applied`);
      const origin = `${node}.${++tokens}`;
      const applied = droppable(
        new Promise<HubMessage | null>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(origin);
            refused.inc();
            reject(new Error(`the message was not applied on this node within ${applyWaitMs} ms`));
          }, applyWaitMs);
          waiters.set(origin, { lazy, resolve, reject, timer });
        }),
      );
      const settle = (fn: (waiter: Waiter) => void): void => {
        const waiter = waiters.get(origin);
        if (!waiter) return;
        waiters.delete(origin);
        clearTimeout(waiter.timer);
        fn(waiter);
      };
      const body = encodeEntry(entry, Date.now());
      const run = guard
        ? seq.fleetwirePropose(keys.counter, keys.stream, guardKey(keys, guard.scope), last, streamLength, origin, body, guard.field, guard.from, guard.to, guard.basis)
        : seq.fleetwireSubmit(keys.counter, keys.stream, last, streamLength, origin, body);
      run.then(
        (sequenced) => {
          if (sequenced === 0) settle((waiter) => waiter.resolve(null)); // the guard refused: nothing to wait for
        },
        (err: unknown) =>
          settle((waiter) => {
            refused.inc();
            waiter.reject(err instanceof Error ? err : new Error(String(err)));
          }),
      );
      return applied;
    };

    if (await link.whenUp(o.connectWaitMs ?? 10_000)) {
      // Before the first submit: the counter must be above this node's seqs from the start.
      await findHoles();
      check = false;
    } else logger.error({ waitedMs: o.connectWaitMs ?? 10_000 }, 'Redis did not answer at start: the node runs, not ready, until it does');
    const reading = readLoop();

    return {
      lastSeq: () => last,
      firstSeq: () => Math.max(store.firstSeq(), floor.get() + 1),
      submit: (entry, _topic, lazy = false) => droppable(sequence(entry, null, lazy).then(() => undefined)),
      propose: (entry, guard) => sequence(entry, guard, false),
      ready: () => link.up(),
      async close() {
        if (closed) return;
        closed = true;
        for (const waiter of waiters.values()) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error('the cluster sequencer is closed'));
        }
        waiters.clear();
        link.close();
        await reading;
        o.metrics.removeSingleMetric('fleetwire_cluster_refused_total');
      },
    };
  };
}
