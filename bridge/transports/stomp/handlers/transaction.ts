/**
 * Transactions (§BEGIN, §COMMIT, §ABORT): SEND, ACK and NACK frames with a `transaction` header
 * wait in their transaction and run, in order, on COMMIT; ABORT or the connection's end drops
 * them. Each is checked and run as it would be alone, so a COMMIT whose frame fails stops there
 * with an ERROR (the frames before it have happened: a publish cannot be taken back).
 */
import { fail, ok } from '../../../../protocol/errors.js';
import { type StompFrame, header } from '../frame.js';
import type { StompSession } from '../stomp-session.js';
import { type FrameHandler, type Handled, NO_HEADERS } from './handler.js';

/** Transactions open at once on one connection, and frames one may hold. */
export const MAX_TRANSACTIONS = 8;
export const MAX_TRANSACTION_FRAMES = 100;

const transactionOf = (frame: StompFrame): string | undefined => header(frame, 'transaction');

export const begin: FrameHandler = (s, frame) => {
  const id = transactionOf(frame);
  if (id === undefined) return fail('bad_request', 'BEGIN needs a transaction header');
  if (s.transactions.has(id)) return fail('bad_request', `transaction ${JSON.stringify(id.slice(0, 80))} is already open`);
  if (s.transactions.size >= MAX_TRANSACTIONS) return fail('too_many', `at most ${MAX_TRANSACTIONS} open transactions per connection`);
  s.transactions.set(id, []);
  return ok(NO_HEADERS);
};

export const abort: FrameHandler = (s, frame) => {
  const id = transactionOf(frame) ?? '';
  if (!s.transactions.delete(id)) return fail('bad_request', `no open transaction ${JSON.stringify(id.slice(0, 80))}`);
  return ok(NO_HEADERS);
};

/** Holds a SEND, ACK or NACK in its transaction; the frame's own RECEIPT says it is held. */
export function hold(s: StompSession, frame: StompFrame): Handled {
  const id = transactionOf(frame) ?? '';
  const held = s.transactions.get(id);
  if (!held) return fail('bad_request', `no open transaction ${JSON.stringify(id.slice(0, 80))}: BEGIN it first`);
  if (held.length >= MAX_TRANSACTION_FRAMES) return fail('too_many', `at most ${MAX_TRANSACTION_FRAMES} frames in one transaction`);
  held.push({ ...frame, headers: frame.headers.filter(([k]) => k !== 'transaction' && k !== 'receipt') });
  return ok(NO_HEADERS);
}

/** COMMIT: runs the held frames through `run` (the dispatch's handlers) in order, stopping at the first failure. */
export function commitWith(run: (s: StompSession, frame: StompFrame) => Promise<Handled>): FrameHandler {
  return async (s, frame) => {
    const id = transactionOf(frame) ?? '';
    const held = s.transactions.get(id);
    if (!held) return fail('bad_request', `no open transaction ${JSON.stringify(id.slice(0, 80))}`);
    s.transactions.delete(id);
    for (const f of held) {
      const done = await run(s, f);
      if (!done.ok) return fail(done.code, `${f.command} in transaction ${id.slice(0, 80)}: ${done.error}`);
    }
    return ok(NO_HEADERS);
  };
}
