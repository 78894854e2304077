/**
 * A connect writes nothing to the database unless it has something to store: the history's
 * commit thread holds the write lock for its commits, and a write on the broker's connection
 * would wait for it (busy_timeout) with the event loop held. Here another connection holds the
 * lock throughout, and the broker's own waits 10 s for it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/database.js';
import { cleanup, rawSession, startBroker, until } from './support/harness.js';

afterEach(cleanup);

describe('connects while another connection holds the write lock', () => {
  it('accepts clean and returning clients with no will without waiting for the lock', async () => {
    const tb = await startBroker({ allowAnonymous: true });
    await rawSession(tb.port, 'known', { clean: false }); // a stored session, so the next connect finds one
    await until('the session stored', () => tb.db.prepare("SELECT 1 FROM broker_sessions WHERE client_id = 'known'").get());
    tb.db.pragma('busy_timeout = 10000');
    const locker = openDatabase(join(tb.dir, 'fleetwire.db'));
    locker.exec('BEGIN IMMEDIATE');
    try {
      const t0 = performance.now();
      await rawSession(tb.port, 'clean-one');
      await rawSession(tb.port, 'known', { clean: false });
      // Waiting for the lock would take the full 10 s; the connects take milliseconds.
      expect(performance.now() - t0).toBeLessThan(5_000);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
  });
});
