/**
 * The WAL checkpointer's thread (checkpointer.ts): on a connection of its own, copies the
 * pages committed to the WAL back into the database file every `intervalMs`, PASSIVE, so it
 * never waits for or holds up a writer or a reader (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
 * It answers 'close' once its connection is closed; a failed checkpoint is posted as its message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointThreadData {
  file: string;
  intervalMs: number;
}

const { file, intervalMs } = workerData as CheckpointThreadData;
const port = parentPort;
if (!port) throw new Error('checkpoint-thread.ts runs as a worker thread');

// No pragmas of its own: journal_mode is the file's, and a checkpointer never writes a row.
const db = new Database(file);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    port.postMessage(err instanceof Error ? err.message : String(err));
  }
}, intervalMs);

port.on('message', () => {
  clearInterval(timer);
  db.close();
  port.postMessage(null);
});
