/**
 * The contract every Sequencer keeps (bridge/ingest/sequencer.ts), as one suite that both
 * implementations run: the local one and the Redis one (STYLE.md §10). Each case gets a real
 * SQLite history store and an APPLY that appends to it and records what it saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type SqliteHistoryStore, createHistoryStore } from '../../bridge/history/index.js';
import type { Apply, MessageEntry, Sequencer } from '../../bridge/ingest/sequencer.js';
import type { HubMessage } from '../../protocol/message.js';
import { type Db, openDatabase } from '../../storage/database.js';

/** Builds a sequencer over `store` with `apply`; `db` is the store's database. */
export type MakeSequencer = (parts: { db: Db; store: SqliteHistoryStore; apply: Apply; metrics: Registry }) => Promise<Sequencer>;

export interface Replica {
  readonly sequencer: Sequencer;
  readonly store: SqliteHistoryStore;
  /** Every message APPLY was given, in order. */
  readonly applied: HubMessage[];
  /** Whether APPLY was told nobody here waits for each one's commit (Apply's `lazy`), in the same order. */
  readonly lazy: boolean[];
  /** Closes the sequencer, the store and the database; a second call does nothing. */
  close(): Promise<void>;
}

const logger = pino({ level: process.env.FLEETWIRE_TEST_LOG ?? 'silent' });

/**
 * A node's store on `file` and a sequencer from `make`; `fail(msg)` makes APPLY throw for that
 * message; `during(msg, sequencer)` runs inside APPLY, after the message is recorded.
 */
export async function openReplica(
  file: string,
  make: MakeSequencer,
  fail: (msg: HubMessage) => boolean = () => false,
  during: (msg: HubMessage, sequencer: Sequencer) => void = () => undefined,
): Promise<Replica> {
  const db = openDatabase(file);
  const store = createHistoryStore({ db, logger, metrics: new Registry() });
  const applied: HubMessage[] = [];
  const lazy: boolean[] = [];
  let sequencer: Sequencer | null = null;
  const apply: Apply = (msg, _topic, nobodyWaits) => {
    if (fail(msg)) throw new Error(`apply refused ${msg.seq}`);
    applied.push(msg);
    lazy.push(nobodyWaits);
    const committed = store.append(msg, nobodyWaits);
    if (sequencer) during(msg, sequencer);
    return committed;
  };
  sequencer = await make({ db, store, apply, metrics: new Registry() });
  let closed = false;
  return {
    sequencer,
    store,
    applied,
    lazy,
    async close() {
      if (closed) return;
      closed = true;
      await sequencer.close();
      await store.close();
      db.close();
    },
  };
}

const entry = (n: number): MessageEntry => ({ topic: `devices/d${n % 3}/telemetry`, device: `d${n % 3}`, kind: 'telemetry', data: { n } });

export function sequencerSuite(name: string, make: MakeSequencer): void {
  describe(`Sequencer contract: ${name}`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A node on a fresh (or given) directory. */
    const node = async (
      dir = mkdtempSync(join(tmpdir(), 'fleetwire-seq-')),
      fail?: (msg: HubMessage) => boolean,
      during?: (msg: HubMessage, sequencer: Sequencer) => void,
    ): Promise<Replica & { dir: string }> => {
      const replica = await openReplica(join(dir, 'node.db'), make, fail, during);
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => replica.close());
      return { ...replica, dir };
    };

    it('tells APPLY whether the submitter waits for the commit, and resolves a lazy submit once it is stored too', async () => {
      const { sequencer, store, applied, lazy } = await node();
      await Promise.all([sequencer.submit(entry(0), null, true), sequencer.submit(entry(1), null), sequencer.propose(entry(2), { scope: 's', field: 'f', from: 'a', to: 'b', basis: 0 })]);
      expect(applied.map((m) => (m.data as { n: number }).n)).toEqual([0, 1, 2]);
      expect(lazy).toEqual([true, false, false]); // a proposer waits for its message
      expect(store.health().pending).toBe(0);
    });

    it('gives strictly increasing seqs, applies each message once in order, and resolves once it is stored', async () => {
      const { sequencer, store, applied } = await node();
      await Promise.all(Array.from({ length: 40 }, (_, n) => sequencer.submit(entry(n), null)));
      expect(applied.map((m) => (m.data as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
      const seqs = applied.map((m) => m.seq);
      expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
      expect(sequencer.lastSeq()).toBe(seqs[seqs.length - 1]);
      expect(store.messagesAfter(0, ['#'], 100).messages).toEqual(applied);
      expect(applied.every((m) => typeof m.ts === 'number' && m.ts > 0)).toBe(true);
      expect(sequencer.ready()).toBe(true);
    });

    it('continues above the seqs its store already holds after a restart', async () => {
      const first = await node();
      await Promise.all([1, 2, 3].map((n) => first.sequencer.submit(entry(n), null)));
      const top = first.sequencer.lastSeq();
      await first.close();
      const again = await node(first.dir);
      expect(again.sequencer.lastSeq()).toBeGreaterThanOrEqual(top);
      expect(again.sequencer.firstSeq()).toBeLessThanOrEqual(top);
      await again.sequencer.submit(entry(4), null);
      expect(again.applied.filter((m) => (m.data as { n: number }).n === 4).map((m) => m.seq)[0]).toBeGreaterThan(top);
    });

    it('rejects a message APPLY throws on, and goes on with the next', async () => {
      const { sequencer, applied } = await node(undefined, (msg) => (msg.data as { n: number }).n === 1);
      await sequencer.submit(entry(0), null);
      await expect(sequencer.submit(entry(1), null)).rejects.toThrow(/apply refused/);
      await sequencer.submit(entry(2), null);
      expect(applied.map((m) => (m.data as { n: number }).n)).toEqual([0, 2]);
    });

    it('applies a message submitted during an APPLY after that APPLY is done, with the next seq', async () => {
      const trace: string[] = [];
      let reaction: Promise<void> | null = null;
      const { sequencer, applied } = await node(undefined, undefined, (msg, seq) => {
        const n = (msg.data as { n: number }).n;
        trace.push(`start ${n}`);
        if (n === 0) reaction = seq.submit(entry(100), null);
        trace.push(`end ${n}`);
      });
      await sequencer.submit(entry(0), null);
      await reaction;
      expect(trace).toEqual(['start 0', 'end 0', 'start 100', 'end 100']);
      expect(applied.map((m) => (m.data as { n: number }).n)).toEqual([0, 100]);
      expect((applied[1] as HubMessage).seq).toBeGreaterThan((applied[0] as HubMessage).seq);
    });

    it('sequences a guarded proposal only from the state it names, and only after the last change was applied', async () => {
      const { sequencer, applied } = await node();
      const guard = (from: string, to: string, basis: number) => ({ scope: 'suite', field: 'd1', from, to, basis });
      const first = await sequencer.propose(entry(0), guard('none', 'on', 0)); // the field is unset: it passes
      expect(first).toEqual(applied[0]);
      const seq = (first as HubMessage).seq;
      // Two proposals of one change: the first passes, the second finds the field moved on.
      const [won, lost] = await Promise.all([sequencer.propose(entry(1), guard('on', 'off', seq)), sequencer.propose(entry(2), guard('on', 'off', seq))]);
      expect(won).not.toBeNull();
      expect(lost).toBeNull();
      const off = (won as HubMessage).seq;
      // From the right state but decided before the last change (basis below its seq): refused.
      expect(await sequencer.propose(entry(3), guard('off', 'on', off - 1))).toBeNull();
      expect(await sequencer.propose(entry(4), guard('off', 'on', off))).not.toBeNull();
      // Another field is its own.
      expect(await sequencer.propose(entry(5), { ...guard('whatever', 'on', 0), field: 'd2' })).not.toBeNull();
      expect(applied.map((m) => (m.data as { n: number }).n)).toEqual([0, 1, 4, 5]);
      expect(applied.every((m, i) => i === 0 || m.seq > (applied[i - 1] as HubMessage).seq)).toBe(true);
    });

    it('refuses messages once closed, without throwing', async () => {
      const { sequencer, applied } = await node();
      await sequencer.close();
      await expect(sequencer.submit(entry(0), null)).rejects.toThrow();
      expect(applied).toEqual([]);
    });
  });
}
