/**
 * SEND (§SEND), by destination: `/topic/{topic}` publishes the body through the broker as the
 * hub (QoS 1: the RECEIPT follows once it is recorded), so MQTT clients and every transport
 * get it; `/app/devices/{id}/commands/{name}` sends a command with the JSON body as its args
 * (RECEIPT headers `command-id` and `command-status`; its states follow on
 * `/user/queue/commands`); `/user/{name}/queue/{queue}` hands the body to that user's
 * connections (RECEIPT header `delivered`: how many took it). Sending is for admins, as
 * publishing and commands are everywhere else; a failed SEND is an ERROR (§SEND: MUST).
 */
import { canPublish } from '../../../../auth/index.js';
import type { User } from '../../../../auth/index.js';
import { type Result, fail, ok } from '../../../../protocol/errors.js';
import { parseSendDestination } from '../destination.js';
import { header } from '../frame.js';
import type { FrameHandler, Handled } from './handler.js';

function jsonArgs(body: Buffer): Result<unknown> {
  if (body.length === 0) return ok(undefined);
  try {
    return ok(JSON.parse(body.toString('utf8')));
  } catch {
    return fail('bad_json', 'the body of a command SEND must be a JSON object of args');
  }
}

const isUtf8 = (body: Buffer): boolean => Buffer.from(body.toString('utf8')).equals(body);

// A STOMP connection has no MQTT client id: `%c` patterns never match it (auth/acl.ts).
const mayPublish = (user: User, topic: string): Result<true> =>
  canPublish(user, topic, '') ? ok(true) : fail('forbidden', `${user.name} (${user.role}) may not publish on ${topic.slice(0, 80)}`);

export const send: FrameHandler = async (s, frame): Promise<Handled> => {
  const user = s.user as User;
  const destination = header(frame, 'destination');
  if (destination === undefined) return fail('bad_request', 'SEND needs a destination header');
  const dest = parseSendDestination(destination);
  if (!dest.ok) return dest;
  switch (dest.value.kind) {
    case 'publish': {
      const allowed = mayPublish(user, dest.value.topic);
      if (!allowed.ok) return allowed;
      try {
        await s.deps.publish(dest.value.topic, frame.body, 1);
      } catch (err) {
        return fail('not_ready', `the broker did not take the message: ${err instanceof Error ? err.message : String(err)}`);
      }
      return ok([]);
    }
    case 'command': {
      if (user.role !== 'admin') return fail('forbidden', `sending commands needs the admin role; ${user.name} is ${user.role}`);
      const args = jsonArgs(frame.body);
      if (!args.ok) return args;
      const sent = s.deps.commands.send({ device: dest.value.device, name: dest.value.name, args: args.value, sender: s.key });
      if (!sent.ok) return sent;
      s.sentCommand(sent.value.id);
      return ok([
        ['command-id', sent.value.id],
        ['command-status', sent.value.status],
      ]);
    }
    case 'user-queue': {
      if (user.role !== 'admin') return fail('forbidden', `sending to a user queue needs the admin role; ${user.name} is ${user.role}`);
      if (!isUtf8(frame.body)) return fail('bad_payload', 'a user queue message must be UTF-8 text');
      const delivered = s.deps.userQueues.deliver(dest.value.user, dest.value.queue, { body: frame.body, contentType: header(frame, 'content-type'), sender: user.name });
      return ok([['delivered', String(delivered)]]);
    }
  }
};
