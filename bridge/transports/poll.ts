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
import { type Sink, nextAfterPage } from '../hub/subscriber.js';
import { type StreamParams, parseBounded, parseStreamParams } from './stream-params.js';
import type { TransportDeps } from './transport-deps.js';

/** `limit` when none is given. */
const DEFAULT_LIMIT = 100;

function answer(deps: TransportDeps, res: ServerResponse, messages: readonly HubMessage[], next: number, reset: boolean): void {
  const body: PollBody = reset ? { messages: [...messages], next, reset } : { messages: [...messages], next };
  deps.metrics.deliveries.inc({ transport: 'poll' }, messages.length);
  sendJson(res, 200, body);
}

/** One page after `since`, read straight from the store. */
function shortPoll(deps: TransportDeps, res: ServerResponse, params: StreamParams, limit: number): void {
  const last = deps.lastSeq();
  if (params.since === null || params.since >= last) return answer(deps, res, [], last, params.since !== null && params.since > last);
  const oldest = deps.store.firstSeq() - 1;
  const reset = params.since < oldest;
  const after = reset ? oldest : params.since;
  const filters = params.key === null ? params.filters : [...new Set([...params.filters, ...deps.hub.followed(params.key)])];
  const page = deps.store.messagesAfter(after, filters, limit);
  answer(deps, res, page.messages, nextAfterPage(page, after, limit), reset);
}

/** A one-shot subscriber: the first batch (replayed or live) is the answer. */
function longPoll(deps: TransportDeps, res: ServerResponse, params: StreamParams, limit: number, timeoutS: number): void {
  let reset = false;
  let done = false;
  let timer: NodeJS.Timeout | null = null;
  const finish = (messages: readonly HubMessage[], next: number): void => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    answer(deps, res, messages, next, reset);
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
  const subscribed = deps.hub.subscribe({ transport: 'poll', filters: params.filters, key: params.key, sink, batchLimit: limit });
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
      if (timeout.value === 0) return shortPoll(deps, res, params.value, limit.value);
      longPoll(deps, res, params.value, limit.value, timeout.value);
    };
  return [
    { method: 'GET', path: '/api/messages', handler: deps.access.guard('viewer', handler(false)) },
    { method: 'GET', path: '/api/poll', handler: deps.access.guard('viewer', handler(true)) },
  ];
}
