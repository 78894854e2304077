/**
 * The rollup writer holds the newest minute's cells (bridge/history/rollup-writer.ts): the
 * tables get a minute once a reading of a later one is committed or the store closes, a reading
 * before the horizon goes to them at once, and answers equal the raw readings all along.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteHistoryStore } from '../../bridge/history/index.js';
import { HISTORY_MIGRATIONS, HISTORY_PART } from '../../bridge/history/schema.js';
import { type Db, migrate } from '../../storage/database.js';
import { Fixture, telemetry } from './fixtures.js';

const M = 60_000;
const H = 3_600_000;
const T = Date.UTC(2025, 5, 1, 12, 0, 0);
/** The migrations of a file written before the horizon was kept. */
const BEFORE_HORIZON = 4;
const fx = new Fixture();
afterEach(() => fx.cleanup());

const horizon = (db: Db): number => db.prepare("SELECT value FROM history_meta WHERE key = 'rollup_horizon'").pluck().get() as number;
const cells = (db: Db, table: string): unknown[] => db.prepare(`SELECT bucket, sum_v, min_v, max_v, n FROM ${table} ORDER BY bucket`).raw().all();

function history(store: SqliteHistoryStore, step: number): unknown[] {
  const answer = store.history({ device: 'd1', metric: 't', from: T, to: T + H, step });
  if (!answer.ok) throw new Error(answer.error);
  return answer.value.points;
}

describe('the rollup horizon', () => {
  it('writes a minute once a later one is committed, a reading before the horizon at once, and the held cells on close', async () => {
    const { store, db } = fx.open(fx.file());
    store.saveDevice({ id: 'd1', firstSeen: T, lastSeen: T, online: true, model: null, fw: null, metrics: {}, led: null, ports: null, source: 'native', units: {}, problems: [] });
    await Promise.all([store.append(telemetry(1, T + 1_000, 'd1', { t: 1 })), store.append(telemetry(2, T + 2_000, 'd1', { t: 3 }))]);
    // The minute is held; the answer comes from its raw points.
    expect(cells(db, 'history_rollup_minute')).toEqual([]);
    expect(horizon(db)).toBe(T);
    expect(history(store, M)).toEqual([[T, 2, 1, 3, 2]]);
    expect(history(store, H)).toEqual([[T, 2, 1, 3, 2]]);

    await store.append(telemetry(3, T + M + 1_000, 'd1', { t: 5 }));
    expect(horizon(db)).toBe(T + M);
    expect(cells(db, 'history_rollup_minute')).toEqual([[T, 4, 1, 3, 2]]);
    expect(cells(db, 'history_rollup_hour')).toEqual([[T, 4, 1, 3, 2]]);
    expect(history(store, M)).toEqual([
      [T, 2, 1, 3, 2],
      [T + M, 5, 5, 5, 1],
    ]);
    expect(history(store, H)).toEqual([[T, 3, 1, 5, 3]]);

    // The clock stepped back: a reading before the horizon is added to the written cells.
    await store.append(telemetry(4, T + 3_000, 'd1', { t: 7 }));
    expect(cells(db, 'history_rollup_minute')).toEqual([[T, 11, 1, 7, 3]]);
    expect(history(store, H)).toEqual([[T, 4, 1, 7, 4]]);

    await store.close();
    expect(cells(db, 'history_rollup_minute')).toEqual([
      [T, 11, 1, 7, 3],
      [T + M, 5, 5, 5, 1],
    ]);
    expect(cells(db, 'history_rollup_hour')).toEqual([[T, 16, 1, 7, 4]]);
    expect(horizon(db)).toBe(T + 2 * M);
  });

  it('starts a new file at horizon 0; after a close, a reading of the minute written goes to its cell', async () => {
    const file = fx.file();
    const { store, db } = fx.open(file);
    expect(horizon(db)).toBe(0);
    await store.append(telemetry(1, T + 30_000, 'd1', { t: 1 }));
    await store.close();
    const reopened = fx.open(fx.db(file));
    await reopened.store.append(telemetry(2, T + 40_000, 'd1', { t: 2 }));
    expect(cells(reopened.db, 'history_rollup_minute')).toEqual([[T, 3, 1, 2, 2]]);
  });

  it('sets the horizon of a file written before it to the minute after its newest point, whose rollups are whole', () => {
    const db = fx.db(fx.file());
    migrate(db, HISTORY_PART, HISTORY_MIGRATIONS.slice(0, BEFORE_HORIZON));
    db.exec("INSERT INTO history_series (id, device, metric) VALUES (1, 'd1', 't'), (2, 'd2', 't')");
    db.prepare('INSERT INTO history_points (series, ts, seq, value) VALUES (?, ?, ?, ?)').run(1, T + 5 * M + 59_999, 1, 1);
    db.prepare('INSERT INTO history_points (series, ts, seq, value) VALUES (?, ?, ?, ?)').run(2, T + 2 * M, 2, 1);
    fx.open(db);
    expect(horizon(db)).toBe(T + 6 * M);
  });
});
