/**
 * The history commit thread (chunk-writer.ts threadWriter): writes each chunk of rows it is
 * sent as one transaction on a connection of its own, and answers once it is committed. Here,
 * unlike on the main thread, waiting for a lock holds no socket: it waits up to LOCK_WAIT_MS
 * for one the main thread's connection holds (a retention chunk, a broker session write); a
 * lock held longer (another process) is answered as a failure, and the main thread retries on
 * its backoff, as it does for every other write failure.
 */
import { workerData } from 'node:worker_threads';
import { WRITER_CHECKPOINT_PAGES } from '../../storage/checkpointer.js';
import { openDatabase } from '../../storage/database.js';
import type { CommitAnswer, CommitThreadData } from './chunk-writer.js';
import { type ChunkRows, createRowWriter } from './row-writer.js';

const { file, readonly, port, answered } = workerData as CommitThreadData;
const LOCK_WAIT_MS = 250;

const db = openDatabase(file, { readonly, busyTimeoutMs: LOCK_WAIT_MS });
// The checkpointer's thread copies the WAL as it grows; this finishes what it leaves (checkpointer.ts).
db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
const writer = createRowWriter(db);

port.on('message', (rows: ChunkRows | 'close') => {
  if (rows === 'close') {
    writer.flushRollups();
    db.close();
    port.postMessage(null);
    return;
  }
  let reply: CommitAnswer = null;
  try {
    writer.write(rows);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'ERROR';
    reply = { code, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
  Atomics.store(answered, 0, 1);
  Atomics.notify(answered, 0);
});
