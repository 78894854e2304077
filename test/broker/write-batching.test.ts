/**
 * What a turn of the event loop writes to one MQTT client leaves in one socket write: a burst of
 * publishes reaches a real subscriber whole and in order through far fewer writes than packets.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardOf } from '../../broker/packet-guard.js';
import { type TestBroker, cleanup, startBroker, until } from './support/harness.js';
import { rawSubscriber } from './support/raw-client.js';
import { publishPayload } from './support/raw-packets.js';

afterEach(cleanup);

const BURST = 200;

/** The broker's side of `clientId`'s next connection: the guarded socket itself. */
function serverSide(tb: TestBroker, clientId: string): Promise<Socket> {
  return new Promise((resolve) => tb.broker.aedes.on('client', (client) => client.id === clientId && resolve(client.conn as unknown as Socket)));
}

/** Counts the calls that hand bytes to the kernel on the broker's side of a connection. */
function countWrites(conn: Socket): { socket: Socket; writes: () => number } {
  expect(guardOf(conn), 'the connection is guarded').not.toBeNull();
  const socket = conn as Socket & { _write: Socket['_write']; _writev: NonNullable<Socket['_writev']> };
  let writes = 0;
  const write = socket._write.bind(socket);
  const writev = socket._writev.bind(socket);
  socket._write = (...args) => (writes++, write(...args));
  socket._writev = (...args) => (writes++, writev(...args));
  return { socket, writes: () => writes };
}

describe('writes to an MQTT subscriber', () => {
  it('sends a burst published in one turn in a few socket writes, every message whole and in order', async () => {
    const tb = await startBroker({ allowAnonymous: true, limits: { publishesPerSecond: 0 } });
    const got: [string, string][] = [];
    const guard = serverSide(tb, 'burst-sub');
    await rawSubscriber(tb.port, 'burst-sub', 'burst/#', 0, (p) => got.push([p.body.subarray(2, 2 + p.body.readUInt16BE(0)).toString(), publishPayload(p).toString()]));
    const { socket, writes } = countWrites(await guard);
    const sent = Array.from({ length: BURST }, (_, i): [string, string] => [`burst/${i % 7}`, `message ${i} ${'x'.repeat(i % 13)}`]);

    for (const [topic, payload] of sent) void tb.broker.deliver(topic, payload, { qos: 0 });
    await until('the whole burst arrives', () => got.length === BURST);
    expect(got).toEqual(sent);
    expect(writes()).toBeGreaterThan(0);
    expect(writes()).toBeLessThanOrEqual(BURST / 20);
    expect(socket.writableCorked).toBe(0);

    // A later turn is not held back by the first: its message goes out on its own.
    await new Promise((resolve) => setTimeout(resolve, 20));
    void tb.broker.deliver('burst/late', 'late', { qos: 0 });
    await until('the later message arrives', () => got.length === BURST + 1);
    expect(got[BURST]).toEqual(['burst/late', 'late']);
    expect(socket.writableCorked).toBe(0);
  });

  it('sends a burst far past the socket high-water mark whole and in order, draining as it goes', async () => {
    const tb = await startBroker({ allowAnonymous: true, limits: { publishesPerSecond: 0 } });
    const got: string[] = [];
    const guard = serverSide(tb, 'big-sub');
    await rawSubscriber(tb.port, 'big-sub', 'big/#', 0, (p) => got.push(publishPayload(p).toString()));
    const { socket } = countWrites(await guard);
    // 3,000 messages of ~300 bytes: 900 KB in one turn, over fifty times the 16 KiB mark.
    const sent = Array.from({ length: 3000 }, (_, i) => `${i} ${'y'.repeat(290 + (i % 17))}`);
    for (const payload of sent) void tb.broker.deliver(`big/${payload.length}`, payload, { qos: 0 });
    await until('the whole burst arrives', () => got.length === sent.length, 20_000);
    expect(got).toEqual(sent);
    expect(socket.writableLength).toBe(0);
  });
});
