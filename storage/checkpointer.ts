/**
 * Takes WAL checkpoints off the threads that write. SQLite's automatic checkpoint runs inside
 * whichever commit finds the WAL past 1,000 pages, copying them into the database file there
 * and then: on the commit thread that is a stall every few commits under load, and on the main
 * thread (the broker's session writes, retention) a stall of the event loop. The checkpointer's
 * thread copies them every CHECKPOINT_MS instead; a page the commits keep rewriting (a series'
 * last page of points, its rollup rows) is copied once per pass rather than once per 1,000
 * pages: for a 10,000-device fleet the commit path's time per message fell from 50 to 33-37 µs,
 * and the history bench's `store alone, 10,000 devices` rose 1.22×. Its passes are PASSIVE, so
 * they never finish a WAL the writer keeps adding to; the writer's own automatic checkpoint,
 * raised to WRITER_CHECKPOINT_PAGES, copies what is left and lets the WAL start over, and
 * bounds it should this thread stop.
 */
import type { Logger } from 'pino';
import type { Db } from './database.js';
import type { CheckpointThreadData } from './checkpoint-thread.js';
import { startWorker } from './worker-thread.js';

/** How often the checkpointer's thread copies the WAL into the file. */
const CHECKPOINT_MS = 250;
/** The writing connection's automatic checkpoint (pages, 4 KiB each): its WAL stays near 16 MiB. */
export const WRITER_CHECKPOINT_PAGES = 4_000;
/** SQLite's default wal_autocheckpoint, given back to the connection on close. */
const SQLITE_CHECKPOINT_PAGES = 1_000;

export interface Checkpointer {
  /** Stops the thread after its pass in progress, and gives `db` its automatic checkpoint back. */
  close(): Promise<void>;
}

/** Starts checkpointing `db`'s file, whose connection `db` then never checkpoints on its own. */
export function startCheckpointer(db: Db, logger: Logger): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  const data: CheckpointThreadData = { file: db.name, intervalMs: CHECKPOINT_MS };
  const thread = startWorker(new URL('./checkpoint-thread.js', import.meta.url), { workerData: data });
  thread.unref();
  let lastFailure: string | null = null;
  let closed: (() => void) | null = null;
  let exited = false;
  thread.once('exit', () => {
    exited = true;
    closed?.();
  });
  thread.on('message', (failure: string | null) => {
    if (failure === null) return closed?.();
    // Once per kind of failure: it would repeat every pass.
    if (failure !== lastFailure) logger.warn({ err: failure }, 'WAL checkpoint failed; the writer checkpoints on its own');
    lastFailure = failure;
  });
  thread.on('error', (err) => logger.warn({ err }, 'the WAL checkpointer stopped; the writer checkpoints on its own'));
  return {
    async close() {
      if (!exited) {
        await new Promise<void>((resolve) => {
          closed = resolve;
          thread.postMessage('close');
        });
      }
      await thread.terminate();
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
    },
  };
}
