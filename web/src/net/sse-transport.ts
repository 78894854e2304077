/**
 * Server-Sent Events on `GET /events` (HTML §9.2). The browser's own reconnect is switched
 * off by closing on the first error: the live connection resumes with `?since=` after its
 * own backoff, which also lets the user switch transports without losing the cursor.
 */
import { MESSAGE_KINDS } from '../../../protocol/message.js';
import { isHubMessage, parseJson } from './message-guard.js';
import { streamQuery, utf8Length, type Transport, type TransportOptions } from './transport.js';

export function createSseTransport(opts: TransportOptions): Transport {
  const { handlers } = opts;
  let source: EventSource | null = null;

  const stop = (): void => {
    source?.close();
    source = null;
  };

  const onEvent = (ev: MessageEvent<string>): void => {
    const msg = parseJson(ev.data);
    if (!isHubMessage(msg)) return;
    // The event as it crossed the wire: id, event and data fields and the blank line.
    const bytes = utf8Length(`id: ${ev.lastEventId}\nevent: ${ev.type}\ndata: ${ev.data}\n\n`);
    handlers.message(msg, bytes);
  };

  return {
    kind: 'sse',
    open(since) {
      stop();
      const url = `${opts.origin ?? ''}/events?${streamQuery(opts.filters, { since })}`;
      const es = new EventSource(url, { withCredentials: opts.origin !== undefined });
      source = es;
      handlers.request();
      es.onopen = () => handlers.open();
      for (const kind of MESSAGE_KINDS) es.addEventListener(kind, onEvent);
      es.addEventListener('reset', () => handlers.reset());
      // The hub ends a stream on purpose (shutdown, a subscriber that fell too far behind).
      es.addEventListener('end', () => {
        if (source !== es) return;
        stop();
        handlers.closed('the hub ended the stream');
      });
      es.onerror = () => {
        if (source !== es) return;
        stop();
        handlers.closed('event stream interrupted');
      };
    },
    close: stop,
  };
}
