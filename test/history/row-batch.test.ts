/**
 * Multi-row statements (bridge/history/row-batch.ts) on a real SQLite connection: rows run in
 * the order they were added, in full groups and the rest, and a rolled-back transaction leaves
 * nothing behind for the next one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RowBatch } from '../../bridge/history/row-batch.js';
import { type Db, openDatabase } from '../../storage/database.js';

let db: Db;
afterEach(() => db.close());

function counters(): RowBatch {
  db = openDatabase(':memory:');
  db.exec('CREATE TABLE c (k TEXT PRIMARY KEY, n INTEGER NOT NULL, last INTEGER NOT NULL) WITHOUT ROWID');
  return new RowBatch(db, (values) => `INSERT INTO c (k, n, last) VALUES ${values} ON CONFLICT (k) DO UPDATE SET n = n + excluded.n, last = excluded.last`, 3);
}
const rows = () => db.prepare('SELECT k, n, last FROM c ORDER BY k').all();

describe('a row batch', () => {
  it('runs every row in order, a key repeated inside one group included', () => {
    const batch = counters();
    db.transaction(() => {
      for (let i = 0; i < 37; i++) batch.add(`k${i % 3}`, 1, i);
      batch.flush();
    })();
    expect(rows()).toEqual([
      { k: 'k0', n: 13, last: 36 },
      { k: 'k1', n: 12, last: 34 },
      { k: 'k2', n: 12, last: 35 },
    ]);
  });

  it('forgets the rows of a transaction that failed once cleared', () => {
    const batch = counters();
    expect(() =>
      db.transaction(() => {
        for (let i = 0; i < 20; i++) batch.add(`lost${i}`, 1, i); // 16 run, 4 wait
        throw new Error('the disk is full');
      })(),
    ).toThrow('the disk is full');
    batch.clear();
    db.transaction(() => {
      batch.add('kept', 1, 0);
      batch.flush();
    })();
    expect(rows()).toEqual([{ k: 'kept', n: 1, last: 0 }]);
  });
});
