/**
 * SUBSCRIBE (§SUBSCRIBE): `/topic/{filter}` (optional `since` to resume), `/user/queue/commands`
 * (this connection's command results) or `/user/queue/{queue}` (point-to-point to this user).
 * At most `stompMaxSubscriptions` per connection; ids must be unique within it.
 */
import { type Result, fail, ok } from '../../../../protocol/errors.js';
import type { HubMessage } from '../../../../protocol/message.js';
import { ackCommandId } from '../../../../protocol/message-props.js';
import { parseSeq } from '../../../../http/params.js';
import { COMMANDS_QUEUE, OWN_QUEUE_PREFIX, parseSubscribeDestination } from '../destination.js';
import { header } from '../frame.js';
import type { StompSession } from '../stomp-session.js';
import { ACK_MODES, type AckMode, type Subscription, openHubSubscription } from '../subscription.js';
import { type FrameHandler, NO_HEADERS } from './handler.js';

const COMMANDS_DESTINATION = `${OWN_QUEUE_PREFIX}${COMMANDS_QUEUE}`;

/** The command a `command` or `ack` message belongs to (the CommandView's `id`, or the one the ack answers). */
function commandIdOf(msg: HubMessage): string | null {
  if (msg.kind === 'ack') return ackCommandId(msg);
  const id = typeof msg.data === 'object' && msg.data !== null && !Array.isArray(msg.data) ? msg.data.id : undefined;
  return msg.kind === 'command' && typeof id === 'string' ? id : null;
}

const isAckMode = (s: string): s is AckMode => (ACK_MODES as readonly string[]).includes(s);

export const subscribe: FrameHandler = (s: StompSession, frame) => {
  const destination = header(frame, 'destination');
  if (destination === undefined) return fail('bad_request', 'SUBSCRIBE needs a destination header');
  // STOMP 1.0 made `id` optional; the destination then names the subscription.
  const id = header(frame, 'id') ?? (s.version === '1.0' ? destination : undefined);
  if (id === undefined) return fail('bad_request', 'SUBSCRIBE needs an id header');
  if (s.subscriptions.has(id)) return fail('bad_request', `subscription id ${JSON.stringify(id.slice(0, 80))} is already in use on this connection`);
  const limit = s.deps.limits.stompMaxSubscriptions;
  if (s.subscriptions.size >= limit) return fail('too_many', `at most ${limit} subscriptions per connection`);
  const ack = header(frame, 'ack') ?? 'auto';
  if (!isAckMode(ack)) return fail('bad_request', `ack must be one of ${ACK_MODES.join(', ')}`);
  const since = parseSeq(header(frame, 'since'), 'the since header');
  if (!since.ok) return since;
  const dest = parseSubscribeDestination(destination, s.deps.limits.maxFilters);
  if (!dest.ok) return dest;

  let opened: Result<Subscription>;
  switch (dest.value.kind) {
    case 'topic':
      opened = openHubSubscription(s, { id, ack, filters: dest.value.filters, key: null, subscribed: destination, destination: null, accept: () => true, since: since.value });
      break;
    case 'commands':
      // The session's key follows the topics of each command it sends (hub/follows.ts); of those, only its own commands pass.
      opened = openHubSubscription(s, {
        id,
        ack,
        filters: [],
        key: s.key,
        subscribed: destination,
        destination: COMMANDS_DESTINATION,
        accept: (m) => s.commandIds.has(commandIdOf(m) ?? ''),
        since: since.value,
      });
      break;
    case 'user-queue':
      if (ack !== 'auto') return fail('bad_request', 'user queues deliver without acknowledgement: subscribe with ack:auto');
      opened = ok(s.deps.userQueues.subscribe(s, id, dest.value.queue));
      break;
  }
  if (!opened.ok) return opened;
  s.subscriptions.set(id, opened.value);
  return ok(NO_HEADERS);
};
