/**
 * One handler per client frame, one dispatch (STYLE.md, as Aedes' lib/handlers). Before
 * CONNECT only CONNECT or STOMP is taken; a SEND, ACK or NACK in a transaction waits for its
 * COMMIT. A handler's failure becomes the ERROR frame; its success the RECEIPT, when the frame
 * asked for one (§Header receipt).
 */
import { fail } from '../../../protocol/errors.js';
import { type ClientCommand, type StompFrame, header } from './frame.js';
import { settle } from './handlers/ack.js';
import { connect } from './handlers/connect.js';
import { disconnect } from './handlers/disconnect.js';
import type { FrameHandler, Handled } from './handlers/handler.js';
import { send } from './handlers/send.js';
import { subscribe } from './handlers/subscribe.js';
import { abort, begin, commitWith, hold } from './handlers/transaction.js';
import { unsubscribe } from './handlers/unsubscribe.js';
import type { StompSession } from './stomp-session.js';

/** The frames a transaction may hold (§BEGIN). */
const TRANSACTIONAL = new Set<ClientCommand>(['SEND', 'ACK', 'NACK']);

const run = async (s: StompSession, frame: StompFrame): Promise<Handled> => HANDLERS[frame.command as ClientCommand](s, frame);

const HANDLERS: Record<ClientCommand, FrameHandler> = {
  CONNECT: connect,
  STOMP: connect,
  SEND: send,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  ACK: settle,
  NACK: settle,
  BEGIN: begin,
  COMMIT: commitWith(run),
  ABORT: abort,
  DISCONNECT: disconnect,
};

export async function dispatch(s: StompSession, frame: StompFrame): Promise<void> {
  const command = frame.command as ClientCommand;
  let done: Handled;
  if (s.state === 'connecting' && command !== 'CONNECT' && command !== 'STOMP') done = fail('unauthorized', `${command} before CONNECT`);
  else if (TRANSACTIONAL.has(command) && header(frame, 'transaction') !== undefined) done = hold(s, frame);
  else done = await run(s, frame);
  if (!done.ok) return s.fail(done.error, frame);
  if (done.value !== 'answered') s.receipt(frame, done.value);
}
