/**
 * Three MQTT 3.1.1 rules Aedes does not keep by itself, held on 3.1.1 and on MQTT 5 clients:
 * [MQTT-3.1.3-8] an empty client id needs a clean session, [MQTT-3.3.1-3] the DUP flag of a copy
 * sent to a subscriber is the broker's own, [MQTT-3.2.2-2] a resumed session is present even
 * when it holds no subscription.
 */
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, closed, connectClient, rawSession, rawSocket, sessionPresent, startBroker, until } from './support/harness.js';
import { CONNACK, type ConnectOptions, PacketReader, type RawPacket, connectPacket, publishPacket } from './support/raw-packets.js';

afterEach(cleanup);

/** Sends a CONNECT no client library would and returns the CONNACK, and whether the broker then closed the socket. */
async function rawConnack(port: number, clientId: string, opts: ConnectOptions): Promise<{ connack: RawPacket; closed: Promise<void> }> {
  const socket = await rawSocket(port);
  const reader = new PacketReader();
  const connack = new Promise<RawPacket>((resolve) => socket.on('data', (chunk: Buffer) => reader.push(chunk).forEach((p) => p.type === CONNACK && resolve(p))));
  socket.write(connectPacket(clientId, opts));
  return { connack: await connack, closed: closed(socket) };
}

describe('[MQTT-3.1.3-8] an empty client id', () => {
  it('is refused with 0x02 on 3.1.1 when CleanSession is 0 [MQTT-3.2.2-5], accepted with 1', async () => {
    const tb = await startBroker();
    const refused = await rawConnack(tb.port, '', { clean: false });
    expect([...refused.connack.body]).toEqual([0, 2]);
    await refused.closed;
    const ok = await rawConnack(tb.port, '', { clean: true });
    expect([...ok.connack.body]).toEqual([0, 0]);
  });

  it('is accepted on MQTT 5 with Clean Start 0, and the broker assigns an id [MQTT-3.1.3-6]', async () => {
    const tb = await startBroker();
    const { connack } = await rawConnack(tb.port, '', { clean: false, version: 5, sessionExpiry: 60 });
    expect(connack.body[1]).toBe(0);
    expect(connack.body.includes(Buffer.from('aedes_'))).toBe(true); // Assigned Client Identifier [MQTT-3.2.2-16]
  });
});

describe('[MQTT-3.3.1-3] the DUP flag of a delivered copy', () => {
  it.each([4, 5] as const)('is 0 for a subscriber on protocol %i when the publisher sent DUP 1', async (protocolVersion) => {
    const tb = await startBroker();
    const sub = await connectClient(tb.url, { protocolVersion });
    const got: IPublishPacket[] = [];
    sub.on('message', (_t, _p, packet) => got.push(packet));
    await sub.subscribeAsync('lab/dup/#', { qos: 1 });
    const pub = await rawSession(tb.port, 'dup-publisher');
    pub.socket.write(publishPacket('lab/dup/once', 'first', { qos: 1, messageId: 7, dup: true }));
    pub.socket.write(publishPacket('lab/dup/fresh', 'second', { qos: 1, messageId: 8 }));
    await until('both arrive', () => got.length === 2);
    expect(got.map((p) => [p.topic, p.dup])).toEqual([
      ['lab/dup/once', false],
      ['lab/dup/fresh', false],
    ]);
  });
});

describe('[MQTT-3.2.2-2] Session Present for a session without subscriptions', () => {
  const versions = [
    ['3.1.1', { protocolVersion: 4 }],
    ['MQTT 5', { protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } }],
  ] as const;

  it.each(versions)('is 1 on a %s reconnect, also after a broker restart, and 0 once a clean start ended it', async (_name, version) => {
    const first = await startBroker();
    const opts = { ...version, clientId: 'no-subs', clean: false };
    expect(await sessionPresent(first.url, opts)).toBe(false);
    expect(await sessionPresent(first.url, opts)).toBe(true);
    await first.stop();

    const again = await startBroker({ dir: first.dir });
    expect(await sessionPresent(again.url, opts)).toBe(true);
    // a clean start whose session ends with the connection: 3.1.1 CleanSession 1, MQTT 5 expiry 0
    expect(await sessionPresent(again.url, { ...opts, clean: true, properties: {} })).toBe(false);
    expect(await sessionPresent(again.url, opts)).toBe(false);
  });

  it('is 0 for a client id that never had a session, and for a 3.1.1 clean session', async () => {
    const tb = await startBroker();
    expect(await sessionPresent(tb.url, { clientId: 'clean-one', clean: true })).toBe(false);
    expect(await sessionPresent(tb.url, { clientId: 'clean-one', clean: false })).toBe(false);
    const raw = await rawSession(tb.port, 'clean-raw', { clean: true });
    raw.socket.end();
    await closed(raw.socket);
    expect(await sessionPresent(tb.url, { clientId: 'clean-raw', clean: false })).toBe(false);
  });

  it('is 0 on MQTT 5 when the session expired with the connection (Session Expiry Interval 0)', async () => {
    const tb = await startBroker();
    const opts = { protocolVersion: 5, clientId: 'expires-at-once', clean: false } as const;
    expect(await sessionPresent(tb.url, opts)).toBe(false);
    expect(await sessionPresent(tb.url, opts)).toBe(false);
  });
});
