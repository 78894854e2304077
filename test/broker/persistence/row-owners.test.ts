/**
 * The persistence answers "nothing stored" for most clients from memory (row-owners.ts). What it
 * remembers must agree with the file: rows written by an earlier run are found after a restart,
 * and a deletion rolled back leaves its rows findable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RowOwners } from '../../../broker/persistence/row-owners.js';
import { SqlitePersistence } from '../../../broker/persistence/sqlite-persistence.js';
import { type Db, openDatabase } from '../../../storage/database.js';

const broker = { id: 'broker-1' } as unknown as Parameters<SqlitePersistence['setup']>[0];
const client = (id: string) => ({ id }) as unknown as Parameters<SqlitePersistence['getWill']>[0];
const publish = (topic: string) => ({ cmd: 'publish', topic, payload: Buffer.from('on'), qos: 1, retain: false, dup: false, brokerId: 'broker-1', brokerCounter: 1 });

let dir = '';
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(file: string): Promise<SqlitePersistence> {
  const db = openDatabase(file);
  dbs.push(db);
  const p = new SqlitePersistence(db, { maxQueuedMessages: 0 });
  await p.setup(broker);
  return p;
}

async function queued(p: SqlitePersistence, id: string): Promise<unknown[]> {
  return Readable.from(p.outgoingStream(client(id))).toArray();
}

describe('what the persistence knows is stored', () => {
  it('finds the queue, subscriptions, will and session an earlier run stored, and nothing for a client with none', async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetwire-owners-'));
    const file = join(dir, 'fleetwire.db');
    const first = await open(file);
    await first.addSubscriptions(client('lamp'), [{ topic: 'lamp/cmd', qos: 1 }]);
    await first.outgoingEnqueueCombi([{ clientId: 'lamp' }], publish('lamp/cmd'));
    await first.putWill(client('lamp'), publish('lamp/status'));
    first.keepSession('lamp');
    (dbs.pop() as Db).close();

    const second = await open(file);
    expect(await queued(second, 'lamp')).toHaveLength(1);
    expect(await second.subscriptionsByClient(client('lamp'))).toMatchObject([{ topic: 'lamp/cmd', qos: 1 }]);
    expect((await second.getWill(client('lamp')))?.topic).toBe('lamp/status');
    expect(second.hasSession('lamp')).toBe(true);
    expect(await second.outgoingClearMessageId(client('lamp'), { messageId: 7 })).toBeUndefined();

    expect(await queued(second, 'sensor')).toEqual([]);
    expect(await second.subscriptionsByClient(client('sensor'))).toEqual([]);
    expect(await second.getWill(client('sensor'))).toBeUndefined();
    expect(second.hasSession('sensor')).toBe(false);
    await expect(second.outgoingUpdate(client('sensor'), { ...publish('x'), messageId: 1 })).rejects.toThrow('no such packet');

    // a clean connect empties the session; what was stored is gone, and known to be
    await second.cleanSubscriptions(client('lamp'));
    expect(await second.subscriptionsByClient(client('lamp'))).toEqual([]);
    expect(second.hasSession('lamp')).toBe(false);
  });

  it('keeps a client whose deletion was rolled back', () => {
    const db = openDatabase(':memory:');
    dbs.push(db);
    db.exec('CREATE TABLE owned (client_id TEXT)');
    db.prepare('INSERT INTO owned VALUES (?)').run('lamp');
    const owners = new RowOwners(db, 'owned');
    expect(owners.mayHave('lamp')).toBe(true);
    expect(owners.mayHave('sensor')).toBe(false);

    const deleteThenFail = db.transaction(() => {
      db.prepare('DELETE FROM owned WHERE client_id = ?').run('lamp');
      // read inside the transaction: finds nothing, but the delete may still roll back
      expect(owners.find('lamp', () => db.prepare('SELECT 1 FROM owned WHERE client_id = ?').pluck().get('lamp'))).toBeUndefined();
      throw new Error('disk full');
    });
    expect(() => deleteThenFail()).toThrow('disk full');
    expect(owners.mayHave('lamp')).toBe(true);
    expect(db.prepare('SELECT COUNT(*) FROM owned').pluck().get()).toBe(1);

    db.prepare('DELETE FROM owned').run();
    let reads = 0;
    const read = () => {
      reads++;
      return db.prepare('SELECT 1 FROM owned WHERE client_id = ?').pluck().get('lamp');
    };
    expect(owners.find('lamp', read)).toBeUndefined();
    expect(owners.mayHave('lamp')).toBe(false);
    expect(owners.find('lamp', read)).toBeUndefined();
    expect(reads).toBe(1); // a client known to have nothing costs no query
  });
});
