/**
 * One SUBSCRIBE. Hub-backed subscriptions (topics and the commands queue) are each one hub
 * subscriber, so they get the hub's bounded queue, slow-client catch-up from the store and
 * exact resume from `since`, like every other transport. Acknowledgement (§SUBSCRIBE ack
 * Header): in `client` and `client-individual` modes at most `stompAckWindow` messages wait
 * for an ACK or NACK; while the window is full the subscription takes no more, so an
 * acknowledging client sets its own pace (and one that never acknowledges is cut off as stalled).
 * A NACKed message is dropped: history keeps it for a resume.
 */
import { fail, ok, type Result } from '../../../protocol/errors.js';
import type { HubMessage } from '../../../protocol/message.js';
import { STOMP_CONTROL_HEADER } from '../../../protocol/stomp.js';
import type { Sink } from '../../hub/subscriber.js';
import type { Headers } from './frame.js';
import { messageFrame } from './message-frame.js';
import type { StompSession } from './stomp-session.js';

export type AckMode = 'auto' | 'client' | 'client-individual';
export const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

export interface Subscription {
  readonly id: string;
  readonly ack: AckMode;
  /** ACK or NACK of the message with `seq` and, in `client` mode, of every earlier one (§ACK): either way it stops waiting. */
  settle(seq: number): Result<true>;
  close(): void;
}

export interface HubSubscriptionOptions {
  id: string;
  ack: AckMode;
  filters: readonly string[];
  /** The hub key: null for a subscriber of its own, the session's key to receive its command follows. */
  key: string | null;
  /** The SUBSCRIBE's destination. */
  subscribed: string;
  /** The `destination` header of each MESSAGE; null: `/topic/{the message's topic}`. */
  destination: string | null;
  /** Which messages of the matched ones go to the client. */
  accept(msg: HubMessage): boolean;
  /** Resume after this seq; null: live from now. */
  since: number | null;
}

/** The `ack` header of a MESSAGE: seq first, so the subscription id after the slash may hold anything. */
export const ackId = (seq: number, subscription: string): string => `${seq}/${subscription}`;

export function openHubSubscription(session: StompSession, opts: HubSubscriptionOptions): Result<Subscription> {
  const { limits } = session.deps;
  const outstanding: number[] = [];
  let windowFull = false;

  const sink: Sink = {
    write(batch) {
      session.socket.batch(() => {
        for (const msg of batch) {
          if (!opts.accept(msg)) continue;
          let ack: string | null = null;
          if (opts.ack !== 'auto') {
            outstanding.push(msg.seq);
            if (session.version === '1.2') ack = ackId(msg.seq, opts.id);
          }
          session.sendEncoded(messageFrame(msg, opts.id, ack, opts.destination, session.version));
        }
      });
      windowFull = outstanding.length >= limits.stompAckWindow;
      if (!session.writable()) session.whenDrained(() => !windowFull && sub.drained());
      return !windowFull && session.writable();
    },
    reset(from) {
      // STOMP has no control frame for this: a MESSAGE the client tells apart by its header (and body, as on /ws).
      const headers: Headers = [
        ['subscription', opts.id],
        ['message-id', `reset-${from}`],
        ['destination', opts.subscribed],
        ['content-type', 'application/json'],
        [STOMP_CONTROL_HEADER, 'reset'],
      ];
      session.send({ command: 'MESSAGE', headers, body: JSON.stringify({ op: 'reset', since: from }) });
    },
    end(reason, why) {
      if (why === 'stalled' || why === 'unresponsive') session.drop();
      else session.fail(reason);
    },
  };

  // Acknowledged subscriptions take one message per write, so the window holds exactly.
  const batchLimit = opts.ack === 'auto' ? undefined : 1;
  const subscribed = session.deps.hub.subscribe({ transport: session.transport, filters: opts.filters, key: opts.key, sink, batchLimit });
  if (!subscribed.ok) return subscribed;
  // The sink above reaches `sub` only from later writes and drains, never during subscribe.
  const sub = subscribed.value;
  if (opts.since !== null) sub.rewind(opts.since);

  return ok({
    id: opts.id,
    ack: opts.ack,
    settle(seq) {
      const at = outstanding.indexOf(seq);
      if (at === -1) return fail('bad_request', `message ${seq} on subscription ${opts.id} awaits no ACK or NACK`);
      if (opts.ack === 'client') outstanding.splice(0, at + 1);
      else outstanding.splice(at, 1);
      if (windowFull && outstanding.length < limits.stompAckWindow) {
        windowFull = false;
        if (session.writable()) sub.drained();
        else session.whenDrained(() => sub.drained());
      }
      return ok(true);
    },
    close: () => sub.detach(),
  });
}
