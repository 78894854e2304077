/** The onPublish hook: once per message, before PUBACK/PUBREC, never twice for a QoS 2 retransmission, and no acknowledgement for what it failed on. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Publish } from '../../protocol/publish.js';
import { cleanup, closed, connectClient, inbox, loginAs, makeUsers, metric, rawSession, startBroker, until, warnings } from './support/harness.js';
import { PUBACK, PUBCOMP, PUBREC, publishPacket, pubrelPacket } from './support/raw-packets.js';

afterEach(cleanup);

const summary = (m: Publish<Buffer>) => [m.topic, m.payload.toString(), m.qos, m.retain, m.clientId];

/** A promise with its resolve/reject handles. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('onPublish', () => {
  it('sees every accepted message once: client publishes at each QoS, wills and hub publishes, not refused ones', async () => {
    const seen: Publish<Buffer>[] = [];
    const tb = await startBroker({ users: await makeUsers([['d1', 'device'], ['admin', 'admin']]), onPublish: (m) => void seen.push(m) });
    const device = await connectClient(tb.url, { ...loginAs('d1', 'd1'), will: { topic: 'devices/d1/status', payload: Buffer.from('{"online":false}'), qos: 1, retain: true } });
    await device.publishAsync('devices/d1/telemetry', '{"t":1}', { qos: 0 });
    await device.publishAsync('devices/d1/telemetry', '{"t":2}', { qos: 1 });
    await device.publishAsync('devices/d1/led', '{"state":"on"}', { qos: 2, retain: true });
    await tb.broker.publish('devices/d1/cmd/led', '{"id":"c1","args":{}}', { qos: 1 });
    const intruder = await connectClient(tb.url, loginAs('d1', 'd1')); // takes over d1's session: the will goes out
    intruder.publish('devices/d2/telemetry', '{"t":3}', { qos: 0 }); // refused: closes the connection
    await until('the will and the publishes are seen', () => seen.length === 5);
    await until('the intruder is dropped', () => warnings(tb, 'publish refused').length === 1);
    expect(seen.map(summary)).toEqual([
      ['devices/d1/telemetry', '{"t":1}', 0, false, 'd1'],
      ['devices/d1/telemetry', '{"t":2}', 1, false, 'd1'],
      ['devices/d1/led', '{"state":"on"}', 2, true, 'd1'],
      ['devices/d1/cmd/led', '{"id":"c1","args":{}}', 1, false, null],
      ['devices/d1/status', '{"online":false}', 1, true, 'd1'],
    ]);
  });

  it('holds PUBACK and delivery until the hook settles', async () => {
    const gate = deferred();
    const tb = await startBroker({ onPublish: (m) => (m.topic === 'lab/held' ? gate.promise : undefined) });
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/#', { qos: 1 });
    const pub = await connectClient(tb.url);
    let acked = false;
    const held = pub.publishAsync('lab/held', 'waits', { qos: 1 }).then(() => (acked = true));
    // a later message from another client goes all the way through while the first is held
    const other = await connectClient(tb.url);
    await other.publishAsync('lab/free', 'passes', { qos: 1 });
    await until('the free message arrives', () => got.length === 1);
    expect(acked).toBe(false);
    expect(got).toEqual([['lab/free', 'passes']]);

    gate.resolve();
    await held;
    await until('the held message arrives', () => got.length === 2);
    expect(got[1]).toEqual(['lab/held', 'waits']);
  });

  it('a failing hook is logged and counted; QoS 0 still goes through, QoS 1 is refused unacknowledged', async () => {
    const tb = await startBroker({ onPublish: () => Promise.reject(new Error('disk full')) });
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/#', { qos: 1 });
    const pub = await connectClient(tb.url);
    await pub.publishAsync('lab/x', 'fire and forget', { qos: 0 });
    await until('the QoS 0 message arrives', () => got.length === 1);

    // Nothing may be acknowledged that the hook did not take: the client is dropped without a PUBACK.
    const raw = await rawSession(tb.port, 'qos1-raw');
    raw.socket.write(publishPacket('lab/y', 'must not be acked', { qos: 1, messageId: 3 }));
    await closed(raw.socket);
    expect(raw.types()).not.toContain(PUBACK);
    expect(got).toEqual([['lab/x', 'fire and forget']]);
    expect(await metric(tb, 'fleetwire_mqtt_ingest_failures_total')).toBe(2);
    expect(warnings(tb, 'onPublish hook failed')).toHaveLength(2);
  });
});

describe('QoS 2 retransmissions', () => {
  async function setup(onPublish: (m: Publish<Buffer>) => void | Promise<void>) {
    const tb = await startBroker({ onPublish });
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/q2', { qos: 2 });
    return { tb, got };
  }

  it('does not pass a message resent after a reconnect a second time', async () => {
    const seen: Publish<Buffer>[] = [];
    const { tb, got } = await setup((m) => void seen.push(m));
    const first = await rawSession(tb.port, 'q2-client', { clean: false });
    first.socket.write(publishPacket('lab/q2', 'once', { qos: 2, messageId: 9 }));
    await until('PUBREC', () => first.types().includes(PUBREC));
    first.socket.destroy(); // PUBREC lost: the client will resend [MQTT-4.4.0-1]

    const again = await rawSession(tb.port, 'q2-client', { clean: false });
    again.socket.write(publishPacket('lab/q2', 'once', { qos: 2, messageId: 9, dup: true }));
    await until('PUBREC again', () => again.types().includes(PUBREC));
    again.socket.write(pubrelPacket(9));
    await until('PUBCOMP', () => again.types().includes(PUBCOMP));
    again.socket.write(publishPacket('lab/q2', 'next', { qos: 2, messageId: 10 }));
    await until('the next message arrives', () => got.length === 2);
    expect(seen.map((m) => m.payload.toString())).toEqual(['once', 'next']);
    expect(got).toEqual([
      ['lab/q2', 'once'],
      ['lab/q2', 'next'],
    ]);
  });

  it('does not pass a resend that arrives while the first copy is still in the hook', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const { tb, got } = await setup((m) => {
      seen.push(m.payload.toString());
      return gate.promise;
    });
    const first = await rawSession(tb.port, 'q2-slow', { clean: false });
    first.socket.write(publishPacket('lab/q2', 'slow', { qos: 2, messageId: 3 }));
    await until('the hook has the message', () => seen.length === 1);
    first.socket.destroy();
    const again = await rawSession(tb.port, 'q2-slow', { clean: false });
    again.socket.write(publishPacket('lab/q2', 'slow', { qos: 2, messageId: 3, dup: true }));
    await until('the resend is recognised', () => tb.logs.some((l) => l.msg.startsWith('QoS 2 retransmission')));
    gate.resolve();
    await until('PUBREC', () => again.types().includes(PUBREC));
    again.socket.write(pubrelPacket(3));
    await until('PUBCOMP', () => again.types().includes(PUBCOMP));
    await until('the message arrives', () => got.length === 1);
    const sentinel = await connectClient(tb.url);
    await sentinel.publishAsync('lab/q2', 'sentinel', { qos: 2 });
    await until('the sentinel arrives', () => got.length === 2);
    expect(got.map(([, p]) => p)).toEqual(['slow', 'sentinel']);
    expect(seen).toEqual(['slow', 'sentinel']);
  });
});

describe('publish() from the hub', () => {
  it('delivers to subscribers and refuses bad topics and oversized payloads', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 1024 } });
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('devices/+/cmd/#', { qos: 1 });
    await tb.broker.publish('devices/d1/cmd/led', Buffer.from('{"id":"c1"}'), { qos: 1 });
    await until('the command arrives', () => got.length === 1);
    await expect(tb.broker.publish('devices/+/cmd/led', 'x', { qos: 0 })).rejects.toThrow(/wildcard/);
    await expect(tb.broker.publish('', 'x', { qos: 0 })).rejects.toThrow(/empty/);
    await expect(tb.broker.publish('lab/big', Buffer.alloc(2048), { qos: 0 })).rejects.toThrow(/maxPacketSize/);
    await tb.stop();
    await expect(tb.broker.publish('lab/late', 'x', { qos: 0 })).rejects.toThrow(/closed/);
  });
});
