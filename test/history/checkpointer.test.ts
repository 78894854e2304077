/**
 * WAL checkpoints run on the checkpointer's thread (storage/checkpointer.ts): the store's own
 * connection never checkpoints while it runs, and what the commit thread writes reaches the
 * database file itself well before the writer's own automatic checkpoint would copy it.
 */
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WRITER_CHECKPOINT_PAGES } from '../../storage/checkpointer.js';
import { Fixture, telemetry } from './fixtures.js';
import { waitFor } from '../support/wait.js';

const T0 = Date.UTC(2025, 0, 1);
const fx = new Fixture();
afterEach(() => fx.cleanup());

const autocheckpoint = (db: ReturnType<Fixture['db']>): unknown => db.pragma('wal_autocheckpoint', { simple: true });

describe('the WAL checkpointer', () => {
  it('copies committed pages into the database file while the writers never checkpoint', async () => {
    const file = fx.file();
    const { store, db } = fx.open(file);
    expect(autocheckpoint(db)).toBe(0);
    const before = statSync(file).size;
    // ~2 MB of rows: some 500 pages, far below the writer's own WRITER_CHECKPOINT_PAGES.
    const readings = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`m${i}`, i + 0.5]));
    const appends: Promise<void>[] = [];
    for (let seq = 1; seq <= 2_000; seq++) appends.push(store.append(telemetry(seq, T0 + seq * 1000, `d${seq % 20}`, readings)));
    await Promise.all(appends);
    expect(statSync(`${file}-wal`).size).toBeLessThan(WRITER_CHECKPOINT_PAGES * 4096);
    await waitFor(() => statSync(file).size > before + 1_000_000 || null, 5_000, 'the pages in the database file');
    expect(fx.db(file).prepare('SELECT count(*) FROM history_messages').pluck().get()).toBe(2_000);
  });

  it('gives the store connection its automatic checkpoint back on close', async () => {
    const { store, db } = fx.open(fx.file());
    await store.close();
    expect(autocheckpoint(db)).toBe(1_000);
  });

  it('is not started for an in-line writer: the connection keeps checkpointing itself', () => {
    const { db } = fx.open(fx.file(), { commitThread: false });
    expect(autocheckpoint(db)).toBe(1_000);
  });
});
