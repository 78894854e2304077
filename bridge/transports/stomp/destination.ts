/**
 * The destinations the hub understands (docs/CONTRACT.md "STOMP"), parsed once at the frame
 * boundary. Subscribing: `/topic/{MQTT filter}` (several joined by commas, ActiveMQ's composite
 * destinations: `/topic/a/#,/topic/b/+`), `/user/queue/{queue}` (this user's own queues;
 * `commands` carries this connection's command results). Sending: `/topic/{topic}` (a broadcast
 * publish), `/app/devices/{id}/commands/{name}` (a command), `/user/{name}/queue/{queue}`
 * (point-to-point to one user, Spring's `convertAndSendToUser`).
 */
import { USER_NAME_PATTERN } from '../../../auth/index.js';
import { type Result, fail, ok } from '../../../protocol/errors.js';
import { DEVICES_PREFIX, DEVICES_ROOT, isCommandName, isDeviceId } from '../../../protocol/names.js';
import { MAX_FILTER_LENGTH, isValidFilter } from '../../../protocol/topic-filter.js';

export const TOPIC_PREFIX = '/topic/';
export const OWN_QUEUE_PREFIX = '/user/queue/';
/** The queue command results arrive on. */
export const COMMANDS_QUEUE = 'commands';

export type SubscribeDestination = { kind: 'topic'; filters: string[] } | { kind: 'commands' } | { kind: 'user-queue'; queue: string };
export type SendDestination = { kind: 'publish'; topic: string } | { kind: 'command'; device: string; name: string } | { kind: 'user-queue'; user: string; queue: string };

const QUEUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const COMMAND_PATH = /^\/app\/devices\/([^/]+)\/commands\/([^/]+)$/;
const USER_PATH = /^\/user\/([^/]+)\/queue\/([^/]+)$/;
const SUBSCRIBABLE = `${TOPIC_PREFIX}{MQTT filter} or ${OWN_QUEUE_PREFIX}{queue}`;

/** A comma starts the next filter only where `/topic/` follows it: MQTT filters may hold commas themselves. */
const COMPOSITE_SEPARATOR = new RegExp(`,(?=${TOPIC_PREFIX})`);

export function parseSubscribeDestination(dest: string, maxFilters: number): Result<SubscribeDestination> {
  if (dest.startsWith(TOPIC_PREFIX)) {
    const filters = [...new Set(dest.split(COMPOSITE_SEPARATOR).map((part) => part.slice(TOPIC_PREFIX.length)))];
    if (filters.length > maxFilters) return fail('bad_filter', `at most ${maxFilters} topic filters per subscription`);
    const bad = filters.find((f) => !isValidFilter(f));
    if (bad !== undefined) return fail('bad_filter', `${JSON.stringify(bad.slice(0, 80))} is not an MQTT topic filter (up to ${MAX_FILTER_LENGTH} characters; + and # only as whole levels, # last)`);
    return ok({ kind: 'topic', filters });
  }
  if (dest.startsWith(OWN_QUEUE_PREFIX)) {
    const queue = dest.slice(OWN_QUEUE_PREFIX.length);
    if (queue === COMMANDS_QUEUE) return ok({ kind: 'commands' });
    if (QUEUE_PATTERN.test(queue)) return ok({ kind: 'user-queue', queue });
    return fail('bad_request', 'a queue name is 1 to 64 letters, digits, _ . or -');
  }
  return fail('not_found', `cannot subscribe to ${JSON.stringify(dest.slice(0, 80))}: use ${SUBSCRIBABLE}`);
}

export function parseSendDestination(dest: string): Result<SendDestination> {
  if (dest.startsWith(TOPIC_PREFIX)) {
    const topic = dest.slice(TOPIC_PREFIX.length);
    if (topic === '' || /[+#\0]/.test(topic) || topic.startsWith('$') || Buffer.byteLength(topic) > MAX_FILTER_LENGTH) {
      return fail('bad_topic', 'a topic to send to is a non-empty MQTT topic name, without + or #, not starting with $');
    }
    if (topic === DEVICES_ROOT || topic.startsWith(DEVICES_PREFIX)) return fail('forbidden', 'devices/ topics belong to devices; send commands to /app/devices/{id}/commands/{name}');
    return ok({ kind: 'publish', topic });
  }
  const command = COMMAND_PATH.exec(dest);
  if (command) {
    const [, device, name] = command as unknown as [string, string, string];
    if (!isDeviceId(device)) return fail('bad_device_id', 'device id must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$');
    if (!isCommandName(name)) return fail('bad_param', 'command name must match ^[a-z][a-z0-9_]{0,31}$');
    return ok({ kind: 'command', device, name });
  }
  const user = USER_PATH.exec(dest);
  if (user) {
    const [, name, queue] = user as unknown as [string, string, string];
    if (!USER_NAME_PATTERN.test(name)) return fail('bad_request', `${JSON.stringify(name.slice(0, 64))} is not a user name`);
    if (queue === COMMANDS_QUEUE) return fail('forbidden', 'the commands queue carries the hub\'s command results; nobody sends to it');
    if (!QUEUE_PATTERN.test(queue)) return fail('bad_request', 'a queue name is 1 to 64 letters, digits, _ . or -');
    return ok({ kind: 'user-queue', user: name, queue });
  }
  return fail('not_found', `cannot send to ${JSON.stringify(dest.slice(0, 80))}: use ${TOPIC_PREFIX}{topic}, /app/devices/{id}/commands/{name} or /user/{name}/queue/{queue}`);
}
