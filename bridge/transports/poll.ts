/**
 * `GET /api/messages` (short poll: answers at once) and `GET /api/poll` (long poll: answers the
 * moment a message after `since` matches, or after `timeout` s with none). Both answer
 * `{"messages":[...],"next":<seq>}`, plus `"reset":true` when `since` was older than what is
 * stored (the messages then start at the oldest kept) or newer than any seq. Without `since`
 * they start from now. `subscriber=<key>` adds the topics of commands that key sent.
 */
import type { ServerResponse } from 'node:http';
import { ok } from '../../protocol/errors.js';
import type { HubMessage, PollBody } from '../../protocol/message.js';
import { sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import type { GuardedHandler } from '../access/access.js';
import type { Sink } from '../hub/subscriber.js';
import { parseBounded } from '../../http/params.js';
import { type StreamParams, parseStreamParams } from './stream-params.js';
import type { TransportDeps } from './transport-deps.js';
import { TRANSPORT_PATHS } from '../../protocol/transports.js';

/** `limit` when none is given. */
const DEFAULT_LIMIT = 100;

function answer(deps: TransportDeps, res: ServerResponse, body: PollBody): void {
  deps.metrics.deliveries.inc({ transport: 'short-poll' }, body.messages.length);
  sendJson(res, 200, body);
}

/** A one-shot subscriber: the first batch (replayed or live) is the answer. */
function longPoll(deps: TransportDeps, res: ServerResponse, params: StreamParams, limit: number, timeoutS: number): void {
  let reset = false;
  let done = false;
  let timer: NodeJS.Timeout | null = null;
  const finish = (messages: readonly HubMessage[], next: number): void => {
    if (done) return;
    // First: a batch it cannot encode leaves the poll waiting (the subscriber retries it message by message).
    answer(deps, res, reset ? { messages: [...messages], next, reset } : { messages: [...messages], next });
    done = true;
    if (timer) clearTimeout(timer);
  };
  const sink: Sink = {
    write(batch) {
      finish(batch, (batch[batch.length - 1] as HubMessage).seq);
      sub.detach();
      return false;
    },
    reset() {
      reset = true;
    },
    end: () => finish([], sub.position()),
  };
  const subscribed = deps.hub.subscribe({ transport: 'long-poll', filters: params.filters, key: params.key, sink, batchLimit: limit });
  if (!subscribed.ok) return sendError(res, subscribed.code, subscribed.error);
  const sub = subscribed.value;
  timer = setTimeout(() => {
    finish([], sub.position());
    sub.detach();
  }, timeoutS * 1000);
  res.on('close', () => {
    if (timer) clearTimeout(timer);
    sub.detach();
  });
  if (params.since !== null) sub.rewind(params.since);
}

export function pollRoutes(deps: TransportDeps): Route[] {
  const handler =
    (long: boolean): GuardedHandler =>
    (_req, res, _params, url) => {
      const params = parseStreamParams(url, deps.limits.maxFilters);
      if (!params.ok) return sendError(res, params.code, params.error);
      const limit = parseBounded(url.searchParams.get('limit'), 'limit', 1, deps.limits.maxPollLimit, Math.min(DEFAULT_LIMIT, deps.limits.maxPollLimit));
      if (!limit.ok) return sendError(res, limit.code, limit.error);
      const timeout = long ? parseBounded(url.searchParams.get('timeout'), 'timeout', 0, deps.limits.maxPollTimeoutS, deps.limits.defaultPollTimeoutS) : ok(0);
      if (!timeout.ok) return sendError(res, timeout.code, timeout.error);
      // A long poll that may not wait is a short poll.
      if (timeout.value === 0) return answer(deps, res, deps.hub.read(params.value.since, params.value.filters, params.value.key, limit.value));
      longPoll(deps, res, params.value, limit.value, timeout.value);
    };
  return [
    { method: 'GET', path: TRANSPORT_PATHS['short-poll'], handler: deps.access.guard('viewer', handler(false)) },
    { method: 'GET', path: TRANSPORT_PATHS['long-poll'], handler: deps.access.guard('viewer', handler(true)) },
  ];
}
