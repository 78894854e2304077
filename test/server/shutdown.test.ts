/** Shutdown: /readyz turns 503 the moment close() begins, while HTTP still answers. */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startHub, stopAll } from '../support/hub.js';

afterAll(stopAll);

describe('shutdown', () => {
  it('/readyz answers 503 as soon as close() begins, before the listeners close', async () => {
    const hub = await startHub({ fleet: 20 });
    await hub.fleet?.ready();
    const before = await fetch(`${hub.httpUrl}/readyz`);
    expect(before.status).toBe(200);

    const socket = connect(Number(new URL(hub.httpUrl).port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closing = hub.close();
    // Sent once close() has begun; the fleet and the broker close first, over the network, so HTTP is still there.
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await Promise.all([closing, once(socket, 'close')]);
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'not ready', checks: { running: false, broker: true } });
  });
});
