/**
 * Where a group commit's transaction runs. On the commit thread (commit-thread.ts), by default
 * for a database file: its own connection writes while the main thread goes on reading sockets,
 * so no commit, WAL checkpoint or slow disk ever delays a packet. In-line on the store's own
 * connection for an in-memory database (no other connection can see it) and when asked.
 * Either way a write is answered only once its transaction is committed, which is when a
 * QoS 1/2 PUBACK may leave: the commit thread's connection is in WAL mode with synchronous =
 * NORMAL, as the store's is, so a kill -9 loses nothing it answered.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Db } from '../../storage/database.js';
import { startWorker } from '../../storage/worker-thread.js';
import type { ChunkRows, RowWriter } from './row-writer.js';
import { withoutLockWait } from './write-guard.js';

export interface ChunkWriter {
  /** Writes the rows as one transaction; `done` gets null or the error, possibly at once. One write at a time. */
  write(rows: ChunkRows, done: (err: Error | null) => void): void;
  /**
   * Blocks until the write in flight is answered and calls its `done`: back-pressure for a
   * burst that never yields to the event loop. Nothing happens when no write is in flight.
   */
  settleNow(): void;
  /** Ends the writer once its last write is answered. */
  close(): Promise<void>;
}

/** The transaction on the calling thread, on the store's connection, never waiting for a lock. */
export function inlineWriter(db: Db, writer: RowWriter): ChunkWriter {
  return {
    write(rows, done) {
      let failure: Error | null = null;
      try {
        withoutLockWait(db, () => writer.write(rows));
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      done(failure);
    },
    settleNow: () => undefined,
    close() {
      withoutLockWait(db, () => writer.flushRollups());
      return Promise.resolve();
    },
  };
}

/** What the commit thread is started with. */
export interface CommitThreadData {
  file: string;
  readonly: boolean;
  port: MessagePort;
  /** Set to 1 by the thread once its answer is posted, for settleNow. */
  answered: Int32Array;
}

/** The commit thread's answer: null, or the SQLite error's code and message. */
export type CommitAnswer = { code: string; message: string } | null;

/** How long settleNow waits for an answer before leaving it to arrive as an event. */
const SETTLE_NOW_MS = 30_000;

const errorOf = (answer: NonNullable<CommitAnswer>): Error => Object.assign(new Error(answer.message), { code: answer.code });

/** The transaction on the commit thread, which opens its own connection to the store's file. */
export function threadWriter(file: string, readonly: boolean): ChunkWriter {
  const { port1: port, port2 } = new MessageChannel();
  const answered = new Int32Array(new SharedArrayBuffer(4));
  const data: CommitThreadData = { file, readonly, port: port2, answered };
  const thread = startWorker(new URL('./commit-thread.js', import.meta.url), { workerData: data, transferList: [port2] });
  // The port keeps the process alive only while a write waits for its answer.
  thread.unref();
  port.unref();
  let pending: ((err: Error | null) => void) | null = null;
  let stopped: Error | null = null;

  const answer = (reply: CommitAnswer): void => {
    const done = pending;
    pending = null;
    port.unref();
    done?.(reply === null ? null : errorOf(reply));
  };
  port.on('message', answer);
  thread.once('exit', (code) => {
    stopped = new Error(`the history commit thread stopped (exit code ${code})`);
    if (pending) answer({ code: 'THREAD_EXIT', message: stopped.message });
  });
  // An error that escapes the thread ends it; 'exit' follows and answers the write in flight.
  thread.on('error', (err) => {
    stopped = err;
  });

  return {
    write(rows, done) {
      if (pending) throw new Error('a history write is already in flight');
      if (stopped) return done(stopped);
      pending = done;
      Atomics.store(answered, 0, 0);
      port.ref();
      port.postMessage(rows);
    },
    settleNow() {
      if (!pending) return;
      Atomics.wait(answered, 0, 0, SETTLE_NOW_MS);
      const reply = receiveMessageOnPort(port) as { message: CommitAnswer } | undefined;
      if (reply) answer(reply.message);
    },
    async close() {
      if (!stopped) {
        // The thread answers once its connection is closed; then nothing of it is needed.
        await new Promise<void>((resolve) => {
          pending = () => resolve();
          port.ref();
          port.postMessage('close');
        });
      }
      port.close();
      await thread.terminate();
    },
  };
}
