/**
 * Long polling (`GET /api/poll`) and short polling (`GET /api/messages`): one request loop,
 * two pacing rules. Each answer carries `next`, the cursor for the following request, so
 * the loop never skips or repeats a message between requests.
 */
import { pollMessages } from './message-guard.js';
import { TRANSPORT_PATHS, type TransportKind } from '../../../protocol/transports.js';
import { headerBytes, streamQuery, utf8Length, type Transport, type TransportOptions } from './transport.js';

interface PollRule {
  kind: TransportKind;
  path: string;
  /** Parameters besides topic and since, for the first request of a session or a later one. */
  params(first: boolean): Record<string, number>;
  /** ms to wait before the next request, given how many messages the last one brought. */
  pause(count: number): number;
}

/** Seconds the hub may hold a long poll; below common proxy idle timeouts (60 s). */
const LONG_POLL_TIMEOUT_S = 25;
/** Messages per answer: a page that falls behind catches up in a few requests. */
const POLL_LIMIT = 500;
const SHORT_POLL_INTERVAL_MS = 1000;

export const createLongPollTransport = (opts: TransportOptions): Transport =>
  createPollTransport(opts, {
    kind: 'long-poll',
    path: TRANSPORT_PATHS['long-poll'],
    // The first request must not wait: its answer is what shows the hub took the subscription.
    params: (first) => ({ limit: POLL_LIMIT, timeout: first ? 0 : LONG_POLL_TIMEOUT_S }),
    pause: () => 0,
  });

export const createShortPollTransport = (opts: TransportOptions, intervalMs = SHORT_POLL_INTERVAL_MS): Transport =>
  createPollTransport(opts, {
    kind: 'short-poll',
    path: TRANSPORT_PATHS['short-poll'],
    params: () => ({ limit: POLL_LIMIT }),
    // A full page means more is waiting: ask again at once.
    pause: (count) => (count >= POLL_LIMIT ? 0 : intervalMs),
  });

function createPollTransport(opts: TransportOptions, rule: PollRule): Transport {
  const { handlers } = opts;
  let run: AbortController | null = null;

  const loop = async (since: number | null, ctl: AbortController): Promise<void> => {
    let cursor = since;
    let opened = false;
    while (!ctl.signal.aborted) {
      const url = `${opts.origin ?? ''}${rule.path}?${streamQuery(opts.filters, { ...rule.params(!opened), since: cursor })}`;
      handlers.request();
      const res = await fetch(url, { signal: ctl.signal, credentials: 'same-origin', cache: 'no-store' });
      const text = await res.text();
      if (ctl.signal.aborted) return;
      if (!res.ok) throw new Error(`${rule.path} answered ${res.status}`);
      const body = pollMessages(JSON.parse(text));
      if (!opened) {
        opened = true;
        handlers.open();
      }
      if (body.reset) handlers.reset();
      const each = body.messages.length > 0 ? (headerBytes(res) + utf8Length(text)) / body.messages.length : 0;
      for (const msg of body.messages) {
        if (ctl.signal.aborted) return;
        handlers.message(msg, each);
      }
      cursor = body.next ?? body.messages.at(-1)?.seq ?? cursor;
      const wait = rule.pause(body.messages.length);
      if (wait > 0) await sleep(wait, ctl.signal);
    }
  };

  const stop = (): void => {
    run?.abort();
    run = null;
  };

  return {
    kind: rule.kind,
    open(since) {
      stop();
      const ctl = new AbortController();
      run = ctl;
      loop(since, ctl).catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        run = null;
        handlers.closed(err instanceof Error ? err.message : 'request failed');
      });
    },
    close: stop,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
