/**
 * A commit promise settles only once the transaction is on disk; a locked, full or read-only
 * database is reported and retried while queued messages stay readable; the queue is bounded.
 * Each failure is real: a second connection's write lock, max_page_count, query_only. The last
 * two are settings of one connection, so those stores write in-line on it (commitThread: false);
 * the lock and the read-only file reach the commit thread's own connection as well.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryBacklogError } from '../../bridge/history/index.js';
import { Fixture, counter, telemetry, until } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 1);
const fx = new Fixture();
afterEach(() => fx.cleanup());

const storedCount = (db: ReturnType<Fixture['db']>): number => db.prepare('SELECT count(*) FROM history_messages').pluck().get() as number;

describe('durability', () => {
  it('settles append() only after the commit: a write lock from another connection holds it back', async () => {
    const file = fx.file();
    const { store, metrics, logs } = fx.open(file);
    const locker = fx.db(file);
    const reader = fx.db(file);
    locker.exec('BEGIN IMMEDIATE');

    let done = false;
    const committed = store.append(telemetry(1, T0, 'd1', { temperature: 1 })).then(() => {
      done = true;
    });
    await until(async () => (await counter(metrics, 'fleetwire_history_write_errors_total', { reason: 'locked' })) >= 2, 10_000, 'failed commits');
    expect(done).toBe(false);
    expect(storedCount(reader)).toBe(0);
    expect(store.health()).toMatchObject({ writable: false, pending: 1, error: expect.stringMatching(/locked/) });
    expect(store.messagesAfter(0, ['#'], 10).messages.map((m) => m.seq)).toEqual([1]);
    expect(logs.filter((l) => l.level === 50 && l.reason === 'locked')).toHaveLength(1); // reported once, not per retry

    locker.exec('COMMIT');
    await committed;
    expect(storedCount(reader)).toBe(1);
    expect(store.health()).toEqual({ writable: true, error: null, pending: 0, dropped: 0 });
    expect(logs.some((l) => l.msg === 'history writes resumed')).toBe(true);
  });

  it('reports a full database, keeps serving queued messages, and commits them once there is room', async () => {
    const { store, db, metrics } = fx.open(fx.file(), { commitThread: false });
    await store.append(telemetry(1, T0, 'd1', { temperature: 1 }));
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);

    const big = 'x'.repeat(20_000);
    const appends = [2, 3, 4].map((seq) => store.append({ ...telemetry(seq, T0 + seq, 'd1', { temperature: seq }), data: { temperature: seq, note: big } }));
    await until(async () => (await counter(metrics, 'fleetwire_history_write_errors_total', { reason: 'full' })) >= 1, 10_000, 'SQLITE_FULL');
    expect(store.health()).toMatchObject({ writable: false, pending: 3, error: expect.stringMatching(/full.*SQLITE_FULL/) });
    expect(store.messagesAfter(0, ['devices/d1/#'], 10).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    db.pragma('max_page_count = 1073741823');
    await Promise.all(appends);
    expect(storedCount(db)).toBe(4);
    expect(store.health().writable).toBe(true);
  });

  it('reports a read-only database and recovers when it is writable again', async () => {
    const { store, db, metrics } = fx.open(fx.file(), { commitThread: false });
    db.pragma('query_only = 1');
    const committed = store.append(telemetry(1, T0, 'd1', { temperature: 1 }));
    await until(async () => (await counter(metrics, 'fleetwire_history_write_errors_total', { reason: 'read_only' })) >= 1, 10_000, 'SQLITE_READONLY');
    expect(store.health().error).toMatch(/read-only/);
    db.pragma('query_only = 0');
    await committed;
    expect(storedCount(db)).toBe(1);
  });

  it('opens on a read-only connection: queries work, writes are reported', async () => {
    const file = fx.file();
    const writer = fx.open(file);
    await writer.store.append(telemetry(1, T0, 'd1', { temperature: 1 }));
    await writer.store.close();

    const { store, metrics } = fx.open(fx.db(file, true));
    expect(store.messagesAfter(0, ['#'], 10).messages.map((m) => m.seq)).toEqual([1]);
    void store.append(telemetry(2, T0 + 1, 'd1', { temperature: 2 }));
    await until(async () => (await counter(metrics, 'fleetwire_history_write_errors_total', { reason: 'read_only' })) >= 1, 10_000, 'SQLITE_READONLY');
    expect(store.messagesAfter(0, ['#'], 10).messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('bounds the queue: past maxPending, append() refuses, the gap is recorded, and resumes across it reset', async () => {
    const file = fx.file();
    const { store, db, logs } = fx.open(file, { maxPending: 5 });
    const locker = fx.db(file);
    locker.exec('BEGIN IMMEDIATE');

    const accepted = [1, 2, 3, 4, 5].map((seq) => store.append(telemetry(seq, T0 + seq, 'd1', { temperature: seq })));
    await expect(store.append(telemetry(6, T0 + 6, 'd1', { temperature: 6 }))).rejects.toBeInstanceOf(HistoryBacklogError);
    await expect(store.append(telemetry(7, T0 + 7, 'd1', { temperature: 7 }))).rejects.toThrow(/queue is full/);
    expect(store.health()).toMatchObject({ pending: 5, dropped: 2 });
    expect(store.firstSeq()).toBe(8);
    expect(logs.filter((l) => String(l.msg).includes('write queue is full'))).toHaveLength(1);

    locker.exec('COMMIT');
    await Promise.all(accepted);
    await store.append(telemetry(8, T0 + 8, 'd1', { temperature: 8 }));
    await store.close();
    db.close();

    const reopened = fx.open(file).store;
    expect(reopened.firstSeq()).toBe(8);
    expect(reopened.lastSeq()).toBe(8);
  });

  it('commits inside append() when a burst never yields to the event loop, so the queue stays short and nothing is refused', () => {
    const file = fx.file();
    // A commit window longer than the test: only the in-line commits can write anything.
    const { store } = fx.open(file, { maxBatch: 10, maxPending: 1_000, commitIntervalMs: 600_000 });
    for (let seq = 1; seq <= 500; seq++) void store.append(telemetry(seq, T0 + seq, 'd1', { temperature: seq }));
    expect(store.health().dropped).toBe(0);
    // Up to 4 batches wait, and one more is being written on the commit thread.
    expect(store.health().pending).toBeLessThan(50);
    expect(storedCount(fx.db(file))).toBeGreaterThan(450);
  });

  it('retries a failing disk on its backoff, however many appends arrive meanwhile', async () => {
    const { store, db, metrics } = fx.open(fx.file(), { commitThread: false });
    await store.append(telemetry(1, T0, 'd1', { temperature: 1 }));
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = 'x'.repeat(20_000);
    const appends: Promise<void>[] = [];
    // 100 awaited appends over ~400 ms; the backoff (10 ms, doubling) allows about 7 attempts.
    for (let seq = 2; seq <= 101; seq++) {
      appends.push(store.append({ ...telemetry(seq, T0 + seq, 'd1', { temperature: seq }), data: { temperature: seq, note: big } }));
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    const attempts = await counter(metrics, 'fleetwire_history_write_errors_total', { reason: 'full' });
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThan(20);
    db.pragma('max_page_count = 1073741823');
    await Promise.all(appends);
    expect(storedCount(db)).toBe(101);
  });

  it('gives up on close when the disk never comes back, rejecting what waits instead of hanging', async () => {
    const file = fx.file();
    const { store, logs } = fx.open(file);
    const locker = fx.db(file);
    locker.exec('BEGIN IMMEDIATE');
    const committed = store.append(telemetry(1, T0, 'd1', { temperature: 1 }));
    await store.close();
    await expect(committed).rejects.toThrow(/closed before commit/);
    expect(logs.some((l) => l.lost === 1)).toBe(true);
    locker.exec('ROLLBACK');
  });
});
