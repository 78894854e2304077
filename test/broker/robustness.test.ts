/**
 * Bad clients are dropped and logged, and nobody else notices: oversized packets, random bytes,
 * malformed packets, a client that vanishes mid-packet, a subscriber that stops reading.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestBroker, cleanup, closed, connectClient, inbox, metric, rawSession, rawSocket, startBroker, until, warnings } from './support/harness.js';
import { SUBACK, connectPacket, publishPacket, remainingLength, subscribePacket } from './support/raw-packets.js';

afterEach(cleanup);

/** A healthy pair of clients; `check()` proves messages still flow between them. */
async function bystanders(tb: TestBroker): Promise<{ got: [string, string][]; check: (n: number) => Promise<void> }> {
  const sub = await connectClient(tb.url);
  const got = inbox(sub);
  await sub.subscribeAsync('lab/#', { qos: 1 });
  const pub = await connectClient(tb.url);
  return {
    got,
    check: async (n) => {
      await pub.publishAsync('lab/still-working', String(n), { qos: 1 });
      await until(`bystander message ${n} arrives`, () => got.some(([t, p]) => t === 'lab/still-working' && p === String(n)));
    },
  };
}

describe('oversized packets', () => {
  it('drops a client whose packet is over maxPacketSize and delivers nothing of it', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 1024 } });
    const { got, check } = await bystanders(tb);
    const big = await connectClient(tb.url, { clientId: 'big' });
    const gone = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish('lab/big', Buffer.alloc(2000, 1), { qos: 0 });
    await gone;
    await check(1);
    expect(got.map(([t]) => t)).toEqual(['lab/still-working']);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'oversized' })).toBe(1);
    expect(warnings(tb, 'client dropped').some((l) => l.clientId === 'big' && String(l.err).includes('over the 1024-byte limit'))).toBe(true);
  });

  it('drops the connection on the header alone, before the announced body arrives', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 64 * 1024, connectTimeoutMs: 60_000 } });
    const { socket } = await rawSession(tb.port, 'liar');
    socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(100 * 1024 * 1024)])); // announces 100 MiB, sends none of it
    await closed(socket);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'oversized' })).toBe(1);
  });
});

describe('garbage and malformed packets', () => {
  it('drops sockets sending random bytes, within the connect timeout at worst', async () => {
    const tb = await startBroker({ limits: { connectTimeoutMs: 1000 } });
    const { check } = await bystanders(tb);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => rawSocket(tb.port)));
    for (const s of sockets) s.write(randomBytes(1 + Math.floor(Math.random() * 4096)));
    await Promise.all(sockets.map(closed));
    await check(1);
    expect(tb.broker.listening()).toBe(true);
  });

  it.each([
    ['a CONNECT for an unknown protocol', connectPacket('x', { protocol: 'MQTX' }), false],
    ['a second CONNECT', connectPacket('x'), true],
    ['a PUBLISH with QoS 3', Buffer.from([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]), true],
    ['a SUBSCRIBE with reserved flags 0', Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01]), true],
    ['a reserved packet type 15', Buffer.from([0xf0, 0x00]), true],
    ['a remaining length over 4 bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), true],
    ['a PUBLISH to a wildcard topic', publishPacket('lab/#', 'x'), true],
    ['a SUBSCRIBE to a broken filter', subscribePacket(1, 'lab/#/x', 0), true],
  ])('drops a client sending %s', async (_what, bytes, afterConnect) => {
    const tb = await startBroker();
    const { got, check } = await bystanders(tb);
    const socket = afterConnect ? (await rawSession(tb.port, 'bad')).socket : await rawSocket(tb.port);
    socket.write(bytes);
    await closed(socket);
    await check(1);
    expect(got.map(([t]) => t)).toEqual(['lab/still-working']);
    expect(warnings(tb, 'client dropped').length).toBeGreaterThan(0);
  });

  it('forgets a client that vanishes in the middle of a packet', async () => {
    const tb = await startBroker();
    const { got, check } = await bystanders(tb);
    const { socket } = await rawSession(tb.port, 'vanishing');
    const whole = publishPacket('lab/half', 'never delivered', { qos: 1, messageId: 7 });
    socket.write(whole.subarray(0, whole.length >> 1));
    socket.destroy();
    await until('the broker lets the client go', async () => (await metric(tb, 'fleetwire_mqtt_connections')) === 2);
    await check(1);
    expect(got.map(([t]) => t)).toEqual(['lab/still-working']);
  });
});

describe('a subscriber that stops reading', () => {
  /** A raw subscriber that stops reading, a healthy one, and 50 MiB published to both (more than loopback buffers hold, up to 32 MiB here). */
  async function flood(tb: TestBroker): Promise<void> {
    const { socket, types } = await rawSession(tb.port, 'frozen');
    socket.write(subscribePacket(1, 'flood/#', 0));
    await until('SUBACK', () => types().includes(SUBACK));
    socket.pause();
    const healthy = await connectClient(tb.url);
    const got = inbox(healthy);
    await healthy.subscribeAsync('flood/#', { qos: 0 });
    const pub = await connectClient(tb.url);
    const count = 400;
    const payload = Buffer.alloc(128 * 1024, 7);
    for (let i = 0; i < count; i++) await pub.publishAsync('flood/x', payload, { qos: 1 });
    await until('the healthy subscriber has every message', () => got.length === count, 30_000);
  }

  const droppedFor = (tb: TestBroker, why: string) => warnings(tb, 'client dropped').some((l) => l.clientId === 'frozen' && String(l.err).includes(why));

  it('is disconnected after drainTimeout while the rest get every message', async () => {
    const tb = await startBroker({ limits: { drainTimeoutMs: 300, maxBufferedBytes: 0, publishesPerSecond: 0 } });
    await flood(tb);
    await until('the frozen subscriber is dropped', () => droppedFor(tb, 'drain timeout'));
  }, 60_000);

  it('is disconnected once more than maxBufferedBytes wait for it', async () => {
    const tb = await startBroker({ limits: { drainTimeoutMs: 0, maxBufferedBytes: 1024 * 1024, publishesPerSecond: 0 } });
    await flood(tb);
    await until('the frozen subscriber is dropped', () => droppedFor(tb, 'over the 1048576-byte limit'));
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'slow_consumer' })).toBe(1);
  }, 60_000);
});

describe('a flood queued behind a frozen subscriber', () => {
  it('does not bring the broker down when the subscriber is let go', async () => {
    const tb = await startBroker({ limits: { drainTimeoutMs: 500, publishesPerSecond: 0 } });
    const { socket, types } = await rawSession(tb.port, 'frozen');
    socket.write(subscribePacket(1, 'flood/#', 0));
    await until('SUBACK', () => types().includes(SUBACK));
    socket.pause();
    const pub = await connectClient(tb.url);
    const payload = Buffer.alloc(128 * 1024, 7);
    for (let i = 0; i < 120; i++) pub.publish('flood/x', payload, { qos: 0 }); // fills the socket buffers
    for (let i = 0; i < 300; i++) pub.publish('flood/x', 'small', { qos: 0 }); // each now waits for the subscriber
    // messages to a topic nobody subscribes to, many per socket read
    const burst = Buffer.concat(Array.from({ length: 4000 }, () => publishPacket('void/x', 'v')));
    for (let i = 0; i < 10; i++) (await rawSession(tb.port, `void-${i}`)).socket.write(burst);

    await until('the frozen subscriber is dropped', () => warnings(tb, 'client dropped').some((l) => l.clientId === 'frozen'), 20_000);
    const { check } = await bystanders(tb);
    await check(1);
  }, 60_000);
});
