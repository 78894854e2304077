/**
 * sendStreamed over a real HTTP server and raw sockets: a chunk is made only when the socket
 * has room (an endless body against a client that reads nothing makes a bounded number of
 * chunks), the stalled client is cut off, a client that leaves stops the work, and a reader
 * gets every chunk in order.
 */
import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendStreamed } from '../../http/streamed-body.js';

const CHUNK = 'x'.repeat(64 * 1024);
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(total: number | null, stallMs: number): Promise<{ port: number; made: () => number; outcome: Promise<string> }> {
  let made = 0;
  let settle!: (v: string) => void;
  const outcome = new Promise<string>((r) => (settle = r));
  const server = createServer((_req, res) => {
    void sendStreamed(res, { contentType: 'text/plain', filename: 'x.txt', next: () => (total !== null && made >= total ? null : (made++, CHUNK)) }, stallMs).then(settle);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, made: () => made, outcome };
}

describe('sendStreamed', () => {
  it('makes chunks only as the socket takes them, and cuts off a client that reads nothing', async () => {
    const { port, made, outcome } = await serve(null, 300);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await outcome).toBe('stalled');
    // Whatever the kernel's socket buffers hold (at most tens of MB on loopback), not an endless body.
    expect(made() * CHUNK.length).toBeLessThan(96 * 1024 * 1024);
    expect(made()).toBeGreaterThan(0);
    socket.destroy();
  });

  it('stops making chunks when the client leaves', async () => {
    const { port, made, outcome } = await serve(null, 60_000);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    socket.destroy();
    expect(await outcome).toBe('gone');
    const after = made();
    await new Promise((r) => setTimeout(r, 50));
    expect(made()).toBe(after);
  });

  it('sends every chunk to a reader, with the download headers', async () => {
    const { port, outcome } = await serve(40, 1_000);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="x.txt"');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect((await res.text()).length).toBe(40 * CHUNK.length);
    expect(await outcome).toBe('done');
  });
});
