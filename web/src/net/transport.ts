/**
 * The browser side of the hub's push methods (CONTRACT.md "One message shape for every
 * browser transport"). A transport only moves messages; the live connection above it owns
 * the resume cursor, de-duplication and reconnect backoff, so every method behaves the same.
 */
import type { HubMessage } from '../../../protocol/message.js';
import type { TransportKind } from '../../../protocol/transports.js';

/** What a transport reports upwards. Messages may repeat or precede the cursor: the caller drops those. */
export interface TransportHandlers {
  /** `bytes`: what this message cost on the wire, framing included, as far as the page can tell. */
  message(msg: HubMessage, bytes: number): void;
  /** The stream is established and the hub accepted the subscription. */
  open(): void;
  /** The hub said the resume point is older than what it keeps (CONTRACT.md `reset`). */
  reset(): void;
  /** An HTTP request (or upgrade) left the page. */
  request(): void;
  /** The stream ended or failed. Called at most once per `open()`; the caller decides when to retry. */
  closed(reason: string): void;
}

export interface TransportOptions {
  /** MQTT topic filters, at least one. */
  filters: readonly string[];
  handlers: TransportHandlers;
  /** Origin of the hub, e.g. `http://127.0.0.1:8080`; the page's own origin when absent. */
  origin?: string;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Starts delivering messages after `since` (null: live messages only). Call again only after `closed`. */
  open(since: number | null): void;
  /** Stops at once; no handler is called afterwards. */
  close(): void;
}

/** Query string for the HTTP transports: one `topic` per filter plus extra parameters. */
export function streamQuery(filters: readonly string[], extra: Record<string, string | number | null>): string {
  const params = new URLSearchParams();
  for (const f of filters) params.append('topic', f);
  for (const [key, value] of Object.entries(extra)) if (value !== null) params.set(key, String(value));
  return params.toString();
}

const encoder = new TextEncoder();
export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Bytes of the status line and headers of a response, as the browser lets the page see them. */
export function headerBytes(res: Response): number {
  let n = `HTTP/1.1 ${res.status} ${res.statusText}\r\n`.length + 2;
  res.headers.forEach((value, name) => {
    n += name.length + value.length + 4;
  });
  return n;
}
