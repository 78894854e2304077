/**
 * A raw STOMP socket for what a well-behaved client would never send: frames written as
 * text by the test, server frames parsed back (command, first value of each header, body).
 */
import WebSocket from 'ws';

export interface ServerFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

export interface RawStomp {
  readonly ws: WebSocket;
  /** Server frames in order; heart-beats (bare EOLs) are counted, not kept. */
  readonly frames: ServerFrame[];
  heartbeats: number;
  readonly closed: Promise<number>;
  send(text: string): void;
  close(): void;
}

function parse(text: string): ServerFrame[] {
  const out: ServerFrame[] = [];
  for (const raw of text.split('\0')) {
    const frame = raw.replace(/^(\r?\n)+/, '');
    if (frame === '') continue;
    const [head = '', ...rest] = frame.split('\n\n');
    const [command = '', ...lines] = head.split('\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const at = line.indexOf(':');
      const name = line.slice(0, at);
      if (!(name in headers)) headers[name] = line.slice(at + 1);
    }
    out.push({ command, headers, body: rest.join('\n\n') });
  }
  return out;
}

export function rawStomp(base: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<RawStomp> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/stomp`, opts.protocols ?? ['v12.stomp'], { headers: opts.headers });
  const raw: RawStomp = {
    ws,
    frames: [],
    heartbeats: 0,
    closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))),
    send: (text) => ws.send(text),
    close: () => ws.terminate(),
  };
  ws.on('message', (data) => {
    const text = String(data);
    if (/^(\r?\n)+$/.test(text)) raw.heartbeats++;
    else raw.frames.push(...parse(text));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(raw));
    ws.once('error', reject);
  });
}
