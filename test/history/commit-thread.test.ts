/**
 * The commit thread writes on a connection of its own (chunk-writer.ts): a setting of the
 * store's connection does not reach it, and an append settles only once its row is committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, telemetry } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 1);
const fx = new Fixture();
afterEach(() => fx.cleanup());

describe('the commit thread', () => {
  it('commits on its own connection: the store connection made query-only still reads, and the rows land', async () => {
    const file = fx.file();
    const { store, db } = fx.open(file);
    db.pragma('query_only = 1');
    const reader = fx.db(file);
    await store.append(telemetry(1, T0, 'd1', { temperature: 21.5 }));
    expect(reader.prepare('SELECT seq FROM history_messages').pluck().all()).toEqual([1]);
    expect(store.messagesAfter(0, ['devices/d1/#'], 10).messages.map((m) => m.seq)).toEqual([1]);
    expect(store.health()).toEqual({ writable: true, error: null, pending: 0, dropped: 0 });
  });

  it('writes in-line on the store connection when asked, where the same setting refuses the write', async () => {
    const { store, db } = fx.open(fx.file(), { commitThread: false });
    db.pragma('query_only = 1');
    void store.append(telemetry(1, T0, 'd1', { temperature: 21.5 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.health()).toMatchObject({ writable: false, error: expect.stringMatching(/read-only/) });
    db.pragma('query_only = 0');
    await store.flush();
  });
});
