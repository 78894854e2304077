/** Publish and subscribe over real sockets: QoS 0/1/2, MQTT 3.1 and 3.1.1, retained messages, last wills. */
import type { Socket } from 'node:net';
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestBroker, cleanup, connectClient, inbox, startBroker, until } from './support/harness.js';

afterEach(cleanup);

/** Publishes `lab/sentinel` and waits for `got` to hold it: everything sent before it has arrived by then. */
async function drained(tb: TestBroker, got: [string, string][]): Promise<void> {
  const pub = await connectClient(tb.url);
  await pub.publishAsync('lab/sentinel', 'end', { qos: 1 });
  await until('the sentinel arrives', () => got.some(([t]) => t === 'lab/sentinel'));
}

describe('publish and subscribe', () => {
  it.each([0, 1, 2] as const)('delivers QoS %i exactly at that QoS, and only to matching subscribers', async (qos) => {
    const tb = await startBroker();
    const sub = await connectClient(tb.url);
    const other = await connectClient(tb.url);
    const packets: IPublishPacket[] = [];
    sub.on('message', (_t, _p, packet) => packets.push(packet));
    const otherGot = inbox(other);
    await sub.subscribeAsync('lab/+/reading', { qos });
    await other.subscribeAsync(['lab/other', 'lab/sentinel'], { qos: 1 });

    const pub = await connectClient(tb.url);
    await pub.publishAsync('lab/a/reading', `hello ${qos}`, { qos });

    await until('the message arrives', () => packets.length === 1);
    expect(packets[0]?.topic).toBe('lab/a/reading');
    expect(packets[0]?.payload.toString()).toBe(`hello ${qos}`);
    expect(packets[0]?.qos).toBe(qos);
    await drained(tb, otherGot);
    expect(otherGot).toEqual([['lab/sentinel', 'end']]);
    expect(packets).toHaveLength(1);
  });

  it('speaks MQTT 3.1 (MQIsdp) as well as 3.1.1', async () => {
    const tb = await startBroker();
    const old = await connectClient(tb.url, { protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'old-client' });
    const got = inbox(old);
    await old.subscribeAsync('lab/v31', { qos: 1 });
    const modern = await connectClient(tb.url, { protocolVersion: 4 });
    await modern.publishAsync('lab/v31', 'from 3.1.1', { qos: 1 });
    await old.publishAsync('lab/v31', 'from 3.1', { qos: 1 });
    await until('both messages arrive', () => got.length === 2);
    expect(got.map(([, p]) => p).sort()).toEqual(['from 3.1', 'from 3.1.1']);
  });
});

describe('retained messages', () => {
  it('hands the last retained message to new subscribers, and an empty payload clears it', async () => {
    const tb = await startBroker();
    const pub = await connectClient(tb.url);
    await pub.publishAsync('lab/d1/status', 'first', { qos: 1, retain: true });
    await pub.publishAsync('lab/d1/status', 'second', { qos: 1, retain: true });

    const late = await connectClient(tb.url);
    const packets: IPublishPacket[] = [];
    late.on('message', (_t, _p, packet) => packets.push(packet));
    await late.subscribeAsync('lab/+/status', { qos: 1 });
    await until('the retained message arrives', () => packets.length === 1);
    expect(packets[0]?.payload.toString()).toBe('second');
    expect(packets[0]?.retain).toBe(true);

    await pub.publishAsync('lab/d1/status', '', { qos: 1, retain: true }); // [MQTT-3.3.1-10]
    const later = await connectClient(tb.url);
    const got = inbox(later);
    await later.subscribeAsync(['lab/+/status', 'lab/sentinel'], { qos: 1 });
    await drained(tb, got);
    expect(got).toEqual([['lab/sentinel', 'end']]);
  });
});

describe('last will', () => {
  it('publishes the will of a client whose connection dies, and not of one that disconnects cleanly', async () => {
    const tb = await startBroker();
    const watcher = await connectClient(tb.url);
    const got = inbox(watcher);
    await watcher.subscribeAsync(['lab/+/status', 'lab/sentinel'], { qos: 1 });

    const will = (id: string) => ({ topic: `lab/${id}/status`, payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true });
    const polite = await connectClient(tb.url, { clientId: 'polite', will: will('polite') });
    await polite.endAsync();
    const killed = await connectClient(tb.url, { clientId: 'killed', will: will('killed') });
    killed.stream.destroy(); // the process dies: no DISCONNECT packet

    await until('the will arrives', () => got.some(([t]) => t === 'lab/killed/status'));
    await drained(tb, got);
    expect(got).toEqual([
      ['lab/killed/status', '{"online":false}'],
      ['lab/sentinel', 'end'],
    ]);
  });

  it('publishes the will of a client whose connection is cut on the broker side without an error, or reset', async () => {
    const tb = await startBroker();
    const watcher = await connectClient(tb.url);
    const got = inbox(watcher);
    await watcher.subscribeAsync('lab/+/status', { qos: 1 });
    const will = (id: string) => ({ topic: `lab/${id}/status`, payload: Buffer.from('gone'), qos: 1 as const, retain: false });

    await connectClient(tb.url, { clientId: 'cut', will: will('cut') });
    // destroy() without an error: the stream emits neither 'end' nor 'error', only 'close'
    const connected = (tb.broker.aedes as unknown as { clients: Record<string, { conn: Socket } | undefined> }).clients;
    connected['cut']?.conn.destroy();
    await until('the will of the cut client arrives', () => got.some(([t]) => t === 'lab/cut/status'));

    const reset = await connectClient(tb.url, { clientId: 'reset', will: will('reset') });
    (reset.stream as Socket).resetAndDestroy(); // TCP RST: the broker's side errors (ECONNRESET)
    await until('the will of the reset client arrives', () => got.some(([t]) => t === 'lab/reset/status'));
    expect(connected['cut']).toBeUndefined();
    expect(connected['reset']).toBeUndefined();
  });
});
