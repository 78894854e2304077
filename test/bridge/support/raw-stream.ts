/**
 * A raw HTTP stream reader, for checking exact bytes on the wire (SSE fields, iframe markup),
 * and an SSE parser that follows HTML §9.2.6 as EventSource does.
 */
import { type IncomingHttpHeaders, get } from 'node:http';

export interface RawStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** True once the server ended the response. */
  ended(): boolean;
  close(): void;
}

/** GETs `url` and keeps reading; resolves once the status line and headers are in. */
export function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      let body = '';
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (done = true));
      res.on('close', () => (done = true));
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text: () => body, ended: () => done, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

export interface SseEventSeen {
  id: string;
  event: string;
  data: string;
}

/** The events an EventSource would dispatch from `text` (HTML §9.2.6), with the last event id at each. */
export function parseSse(text: string): SseEventSeen[] {
  const events: SseEventSeen[] = [];
  let id = '';
  let event = '';
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push({ id, event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const at = line.indexOf(':');
    const name = at === -1 ? line : line.slice(0, at);
    const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (name === 'id' && !value.includes('\0')) id = value;
    else if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  return events;
}
