/**
 * Point-to-point queues (Spring's `convertAndSendToUser`): SEND to `/user/{name}/queue/{queue}`
 * reaches every connection of user `{name}` subscribed to `/user/queue/{queue}`, and no one else.
 * These messages are not device traffic: they are not recorded, have no seq and cannot be
 * resumed. Delivery is at most once: a receiver whose socket is full misses the message (and
 * the sender's receipt says how many connections took it), so a slow receiver never holds up
 * the sender. Queues live in this process: in a cluster, only connections on the same node.
 */
import { randomUUID } from 'node:crypto';
import { fail, type Result } from '../../../protocol/errors.js';
import type { StompSession } from './stomp-session.js';
import type { Subscription } from './subscription.js';

export interface QueueMessage {
  body: Buffer;
  contentType: string | undefined;
  /** The sending user's name. */
  sender: string;
}

interface Receiver {
  session: StompSession;
  subscription: string;
}

export interface UserQueues {
  /** Adds a subscription of `session`'s user to its own queue `queue`. */
  subscribe(session: StompSession, id: string, queue: string): Subscription;
  /** Hands `msg` to each subscribed connection of `user` that can take it now; returns how many took it. */
  deliver(user: string, queue: string, msg: QueueMessage): number;
}

export function createUserQueues(): UserQueues {
  const byUser = new Map<string, Map<string, Set<Receiver>>>();

  const remove = (user: string, queue: string, receiver: Receiver): void => {
    const queues = byUser.get(user);
    const receivers = queues?.get(queue);
    receivers?.delete(receiver);
    if (receivers?.size === 0) queues?.delete(queue);
    if (queues?.size === 0) byUser.delete(user);
  };

  return {
    subscribe(session, id, queue) {
      const user = (session.user as { name: string }).name;
      const receiver: Receiver = { session, subscription: id };
      const queues = byUser.get(user) ?? new Map<string, Set<Receiver>>();
      byUser.set(user, queues);
      queues.set(queue, (queues.get(queue) ?? new Set()).add(receiver));
      return {
        id,
        ack: 'auto',
        settle: (): Result<true> => fail('bad_request', 'user queue messages need no ACK'),
        close: () => remove(user, queue, receiver),
      };
    },
    deliver(user, queue, msg) {
      let taken = 0;
      for (const { session, subscription } of byUser.get(user)?.get(queue) ?? []) {
        if (!session.writable()) continue;
        const headers: [string, string][] = [
          ['subscription', subscription],
          ['message-id', randomUUID()],
          ['destination', `/user/queue/${queue}`],
          ['sender', msg.sender],
        ];
        if (msg.contentType !== undefined) headers.push(['content-type', msg.contentType]);
        session.send({ command: 'MESSAGE', headers, body: msg.body.toString('utf8') });
        taken++;
      }
      return taken;
    },
  };
}

