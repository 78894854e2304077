/**
 * HTTP/1.1 on a bare socket, for what real clients will not send: a silent connection, a body
 * that stalls, oversized headers, a chunked body that never stops, a forged Host.
 */
import { type Socket, connect } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** Everything the hub sent so far. */
  text(): string;
  /** Resolves with everything the hub sent once the connection is closed (by either side). */
  readonly closed: Promise<string>;
  /** Writes, ignoring a connection the hub already closed. */
  write(data: string | Buffer): void;
}

/** Connects to the host and port of `url`; resolves once connected. */
export function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    const closed = new Promise<string>((done) => socket.on('close', () => done(text)));
    socket.on('error', () => undefined); // a reset after the answer: `closed` still resolves
    socket.once('connect', () =>
      resolve({
        socket,
        text: () => text,
        closed,
        write: (data) => {
          if (socket.writable) socket.write(data);
        },
      }),
    );
    socket.once('error', reject);
  });
}

/** The status code and parsed JSON body of a raw HTTP/1.1 answer. */
export function parseAnswer(text: string): { status: number; body: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const at = text.indexOf('\r\n\r\n');
  const rest = at === -1 ? '' : text.slice(at + 4);
  let body: unknown = null;
  try {
    body = JSON.parse(rest);
  } catch {
    body = rest;
  }
  return { status, body };
}
