/**
 * Server-Sent Events framing (HTML Living Standard §9.2.6 "Interpreting an event stream"), the
 * one place an SSE field is written. A line break ends a field, so `id` and `event` refuse
 * CR/LF (and NUL, which voids an id) and `data` is split into one `data:` line per line: no
 * string can forge a field or end an event early.
 */

export interface SseEvent {
  id?: string | number;
  event?: string;
  /** Any text; each of its lines becomes one `data:` line. */
  data?: string;
  /** Reconnection time, ms. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

function field(name: string, value: string): string {
  if (FORBIDDEN_IN_FIELD.test(value)) throw new TypeError(`SSE ${name} must not contain CR, LF or NUL`);
  return `${name}: ${value}\n`;
}

/** One event, ending with the blank line that dispatches it. Throws TypeError on a bad `id`, `event` or `retry`. */
export function formatEvent(e: SseEvent): string {
  let out = '';
  if (e.retry !== undefined) {
    if (!Number.isSafeInteger(e.retry) || e.retry < 0) throw new TypeError('SSE retry must be a whole number of ms');
    out += `retry: ${e.retry}\n`;
  }
  if (e.id !== undefined) out += field('id', String(e.id));
  if (e.event !== undefined) out += field('event', e.event);
  if (e.data !== undefined) for (const line of e.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment: ignored by EventSource, keeps proxies and the connection alive. */
export function formatComment(text: string): string {
  return `${text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')}\n`;
}
