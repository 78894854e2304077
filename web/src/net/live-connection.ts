/**
 * One live subscription that survives anything: it owns the resume cursor (the last `seq`
 * delivered), drops repeats, reconnects with backoff after any failure and resumes from the
 * cursor, on whichever transport is chosen now (CONTRACT.md "Resuming from a seq").
 */
import type { HubMessage } from '../../../protocol/message.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ClockOffset } from './clock-offset.js';
import { createIframeTransport } from './iframe-transport.js';
import { createLongPollTransport, createShortPollTransport } from './poll-transport.js';
import { createSseTransport } from './sse-transport.js';
import { createStompTransport } from './stomp-transport.js';
import type { TransportKind } from '../../../protocol/transports.js';
import type { Transport, TransportOptions } from './transport.js';
import { createWsTransport } from './ws-transport.js';

const FACTORIES: Record<TransportKind, (opts: TransportOptions) => Transport> = {
  sse: createSseTransport,
  ws: createWsTransport,
  'long-poll': createLongPollTransport,
  'short-poll': (opts) => createShortPollTransport(opts),
  iframe: createIframeTransport,
  stomp: (opts) => createStompTransport(opts, 'websocket'),
  sockjs: (opts) => createStompTransport(opts, 'sockjs'),
};

/** A connection that has stayed up this long has proven itself: the next failure retries quickly again. */
const PROVEN_MS = 5_000;

export type LinkState = 'connecting' | 'live' | 'retrying' | 'stopped';

export interface LinkStatus {
  kind: TransportKind;
  state: LinkState;
  /** The resume cursor: seq of the newest message delivered, null before the first. */
  lastSeq: number | null;
  /** When `retrying`: local time (ms) of the next attempt. */
  retryAt: number | null;
  /** Failed attempts since the connection last proved itself. */
  attempts: number;
  /** Why the last attempt ended. */
  error: string | null;
  /** Messages dropped because their seq was not after the cursor. */
  repeats: number;
}

export interface LiveConnectionOptions {
  filters: readonly string[];
  kind: TransportKind;
  /** Hub origin; the page's own when absent. */
  origin?: string;
  /** Resume after this seq; null or absent: live messages only. */
  since?: number | null;
  /** Each message once, in seq order. */
  onMessage(msg: HubMessage): void;
  /** The cursor was older than the hub keeps: state built from messages must be reloaded. */
  onReset(): void;
  onStatus?(status: LinkStatus): void;
  /** Wire accounting for the transport lab. */
  onRequest?(): void;
  onBytes?(bytes: number): void;
  backoff?: Partial<BackoffOptions>;
}

export interface LiveConnection {
  status(): LinkStatus;
  /** Switches transport, resuming from the cursor. */
  setKind(kind: TransportKind): void;
  /** Skips the pending backoff delay. */
  retryNow(): void;
  /** The hub's clock as estimated from message timestamps (ms since epoch). */
  hubNow(): number;
  close(): void;
}

export function createLiveConnection(opts: LiveConnectionOptions): LiveConnection {
  const backoff = new Backoff(opts.backoff);
  const clock = new ClockOffset();
  const status: LinkStatus = { kind: opts.kind, state: 'connecting', lastSeq: opts.since ?? null, retryAt: null, attempts: 0, error: null, repeats: 0 };
  let transport: Transport | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let provenTimer: ReturnType<typeof setTimeout> | undefined;

  const emit = (patch: Partial<LinkStatus>): void => {
    Object.assign(status, patch, { attempts: backoff.attempts });
    opts.onStatus?.({ ...status });
  };

  const connect = (): void => {
    clearTimeout(retryTimer);
    transport?.close();
    const current = FACTORIES[status.kind]({ filters: opts.filters, ...(opts.origin ? { origin: opts.origin } : {}), handlers: {
      message(msg, bytes) {
        if (transport !== current) return;
        opts.onBytes?.(bytes);
        if (status.lastSeq !== null && msg.seq <= status.lastSeq) {
          status.repeats++;
          return;
        }
        clock.sample(msg.ts, Date.now());
        status.lastSeq = msg.seq;
        opts.onMessage(msg);
      },
      open() {
        if (transport !== current) return;
        clearTimeout(provenTimer);
        provenTimer = setTimeout(() => backoff.reset(), PROVEN_MS);
        emit({ state: 'live', retryAt: null, error: null });
      },
      reset() {
        if (transport !== current) return;
        // The hub starts over from its own resume point, which may even be below our cursor
        // (its data was replaced): take whatever comes next.
        status.lastSeq = null;
        opts.onReset();
      },
      request() {
        if (transport === current) opts.onRequest?.();
      },
      closed(reason) {
        if (transport !== current) return;
        clearTimeout(provenTimer);
        transport = null;
        scheduleRetry(reason);
      },
    } });
    transport = current;
    emit({ state: 'connecting' });
    current.open(status.lastSeq);
  };

  const scheduleRetry = (reason: string): void => {
    const delay = backoff.next();
    retryTimer = setTimeout(connect, delay);
    emit({ state: 'retrying', retryAt: Date.now() + delay, error: reason });
  };

  // Coming back online is the best moment to retry; waiting out the backoff only adds delay.
  const onOnline = (): void => {
    if (status.state === 'retrying') connect();
  };
  window.addEventListener('online', onOnline);

  connect();

  return {
    status: () => ({ ...status }),
    setKind(kind) {
      if (status.state === 'stopped') return;
      status.kind = kind;
      backoff.reset();
      connect();
    },
    retryNow: onOnline,
    hubNow: () => Date.now() + clock.offset(),
    close() {
      clearTimeout(retryTimer);
      clearTimeout(provenTimer);
      window.removeEventListener('online', onOnline);
      transport?.close();
      transport = null;
      emit({ state: 'stopped', retryAt: null });
    },
  };
}
