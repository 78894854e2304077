/**
 * `GET /events`: Server-Sent Events (HTML §9.2). Each message is `id: <seq>`, `event: <kind>`,
 * `data: <message JSON>`; EventSource resends the last id as `Last-Event-ID` when it reconnects,
 * so resume needs nothing from the page. Besides messages: `event: hello` first (data
 * `{"subscriber"}`, no id), `event: reset` with `id` set to the new resume point, and
 * `event: end` with the reason when the hub ends the stream.
 */
import { ok } from '../../protocol/errors.js';
import type { HubMessage } from '../../protocol/message.js';
import type { Route } from '../../http/router.js';
import { messageEvent } from './encode.js';
import { type StreamFraming, streamHandler } from './http-stream.js';
import { formatComment, formatEvent } from './sse-format.js';
import type { TransportDeps } from './transport-deps.js';
import { TRANSPORT_PATHS } from '../../protocol/transports.js';

function sseFraming(retryMs: number): StreamFraming {
  return {
    headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    preamble: (subscriber) => formatEvent({ retry: retryMs, event: 'hello', data: JSON.stringify({ subscriber }) }),
    // One message (the common live case) is its cached event as it is: no copy per subscriber.
    messages: (batch) => (batch.length === 1 ? messageEvent(batch[0] as HubMessage) : Buffer.concat(batch.map(messageEvent))),
    reset: (from) => formatEvent({ id: from, event: 'reset', data: JSON.stringify({ op: 'reset', since: from }) }),
    end: (reason) => formatEvent({ event: 'end', data: JSON.stringify({ op: 'end', reason }) }),
    heartbeat: formatComment(''),
    maxBytes: null,
  };
}

export function sseRoute(deps: TransportDeps): Route {
  const framing = sseFraming(deps.limits.sseRetryMs);
  return {
    method: 'GET',
    path: TRANSPORT_PATHS.sse,
    handler: deps.access.guard('viewer', streamHandler(deps, { transport: 'sse', resumeHeader: 'last-event-id', framing: () => ok(framing) }), { urlToken: true }),
  };
}
