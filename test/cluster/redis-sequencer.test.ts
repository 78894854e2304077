/**
 * What only the Redis sequencer does: several nodes on one Redis agree on one seq order and
 * each applies every message once; a node that ran alone first lifts the shared counter; a
 * node that missed trimmed messages resumes with `reset` below them; Redis going away makes it
 * unready and refuse messages, and it recovers when Redis is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisSequencer } from '../../bridge/cluster/redis-sequencer.js';
import { type MessageEntry, createLocalSequencer } from '../../bridge/ingest/sequencer.js';
import { waitFor } from '../support/hub.js';
import { type TestRedis, startRedis } from '../support/redis.js';
import { type Replica, openReplica } from './sequencer-suite.js';

const logger = pino({ level: process.env.FLEETWIRE_TEST_LOG ?? 'silent' });
let redis: TestRedis;
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];
let keyspace = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetwire-rseq-'));
  redis = await startRedis(dir);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (n: number, from = 'a'): MessageEntry => ({ topic: `devices/${from}/telemetry`, device: from, kind: 'telemetry', data: { n } });

/** A node: a store on `name`.db and a sequencer (Redis on `keys`, or `local`); closed after the case. */
async function openNode(name: string, keys: { counter: string; stream: string }, opts: { local?: boolean; streamLength?: number } = {}): Promise<Replica> {
  const replica = await openReplica(join(dir, `${name}.db`), async ({ db, store, apply, metrics }) =>
    opts.local ? createLocalSequencer({ store, apply }) : redisSequencer({ url: redis.url, db, logger, metrics, keys, streamLength: opts.streamLength })({ store, apply }),
  );
  cleanups.push(() => replica.close());
  return replica;
}

const freshKeys = (): { counter: string; stream: string } => {
  const n = ++keyspace;
  return { counter: `r${n}:seq`, stream: `r${n}:messages` };
};

describe('the Redis sequencer across nodes', () => {
  it('gives every node every message once, in one seq order, whichever node took it', async () => {
    const keys = freshKeys();
    const nodes = await Promise.all(['a1', 'b1', 'c1'].map((name) => openNode(name, keys)));
    await Promise.all(nodes.flatMap((node, i) => Array.from({ length: 20 }, (_, n) => node.sequencer.submit(entry(n, `d${i}`), null))));
    await waitFor(() => nodes.every((node) => node.applied.length === 60), 10_000, 'every node to apply 60 messages');
    const reference = nodes[0]?.applied ?? [];
    for (const node of nodes) expect(node.applied).toEqual(reference);
    expect(new Set(reference.map((m) => m.seq)).size).toBe(60);
    expect(reference.map((m) => m.seq)).toEqual([...reference.map((m) => m.seq)].sort((x, y) => x - y));
    // Only the origin's own submit waits for its commit; other nodes apply it lazily.
    for (const [i, node] of nodes.entries()) expect(node.lazy).toEqual(node.applied.map((m) => m.device !== `d${i}`));
  });

  it('lifts the shared counter above the seqs of a node that ran alone before joining', async () => {
    const keys = freshKeys();
    const alone = await openNode('a2', keys, { local: true });
    await Promise.all(Array.from({ length: 30 }, (_, n) => alone.sequencer.submit(entry(n), null)));
    await alone.close();
    const joined = await openNode('a2', keys);
    const other = await openNode('b2', keys);
    await other.sequencer.submit(entry(100, 'b'), null);
    await joined.sequencer.submit(entry(101), null);
    await waitFor(() => joined.applied.length === 2, 10_000, 'the joined node to apply both');
    expect(joined.applied.every((m) => m.seq > 30)).toBe(true);
    expect(joined.applied.map((m) => (m.data as { n: number }).n)).toEqual([100, 101]);
  });

  it('says `reset` below messages that were trimmed from the stream while a node was away', async () => {
    const keys = freshKeys();
    const away = await openNode('a3', keys, { streamLength: 10 });
    await away.sequencer.submit(entry(0), null);
    await away.close();
    const busy = await openNode('b3', keys, { streamLength: 10 });
    // MAXLEN ~ trims whole nodes of the stream's radix tree (100 entries by default): write well past that.
    for (let n = 1; n <= 400; n++) await busy.sequencer.submit(entry(n, 'b'), null);
    const back = await openNode('a3', keys, { streamLength: 10 });
    await waitFor(() => back.sequencer.lastSeq() === busy.sequencer.lastSeq(), 10_000, 'the node to catch up');
    expect(back.applied.length).toBeLessThan(400);
    // Its store holds seq 1 and the stream's tail: resumes into the missing stretch get reset,
    // and from its first seq on it holds exactly what the busy node holds.
    const first = back.sequencer.firstSeq();
    expect(first).toBeGreaterThan(2);
    expect(back.applied).toEqual(busy.applied.filter((m) => m.seq >= first));
  });
});

describe('the Redis sequencer when Redis goes away', () => {
  it('is unready and refuses messages while Redis is down, then catches up and takes them again', async () => {
    const keys = freshKeys();
    const node = await openNode('a4', keys);
    await node.sequencer.submit(entry(0), null);
    await redis.stop();
    await waitFor(() => !node.sequencer.ready(), 10_000, 'the sequencer to notice');
    await expect(node.sequencer.submit(entry(1), null)).rejects.toThrow(/Redis/);
    await redis.start();
    await waitFor(() => node.sequencer.ready(), 20_000, 'the sequencer to reconnect');
    await node.sequencer.submit(entry(2), null);
    expect(node.applied.map((m) => (m.data as { n: number }).n)).toEqual([0, 2]);
  });
});
