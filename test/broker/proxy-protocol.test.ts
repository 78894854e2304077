import { connect as netConnect } from 'node:net';
import { type IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProxyHeader } from '../../net/proxy-protocol.js';
import { cleanup, closed, makeUsers, metric, passwordOf, rawSocket, startBroker, until, warnings } from './support/harness.js';
import { CONNACK, PacketReader, connectPacket } from './support/raw-packets.js';

afterEach(cleanup);

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
/** A v2 header: version 2, `command` (0 LOCAL, 1 PROXY), `family` byte, then the address block. */
const v2 = (command: number, family: number, addresses: Buffer): Buffer => Buffer.concat([SIG, Buffer.from([0x20 | command, family]), Buffer.from([addresses.length >> 8, addresses.length & 0xff]), addresses]);
const tcp4 = (src: number[], dst: number[]): Buffer => Buffer.from([...src, ...dst, 0x30, 0x39, 0x07, 0x5b]);
const ipv6 = (hex: string): Buffer => Buffer.from(hex, 'hex');
const v1 = (line: string): Buffer => Buffer.from(`${line}\r\n`, 'latin1');

describe('PROXY protocol header', () => {
  it.each([
    ['v1 TCP4', v1('PROXY TCP4 203.0.113.7 192.0.2.1 51000 1883'), '203.0.113.7'],
    ['v1 TCP6', v1('PROXY TCP6 2001:db8::7 2001:db8::1 51000 1883'), '2001:db8::7'],
    ['v1 UNKNOWN', v1('PROXY UNKNOWN'), null],
    ['v2 PROXY TCP4', v2(1, 0x11, tcp4([198, 51, 100, 9], [192, 0, 2, 1])), '198.51.100.9'],
    ['v2 PROXY TCP6', v2(1, 0x21, Buffer.concat([ipv6('20010db8000000000000000000000007'), ipv6('20010db8000000000000000000000001'), Buffer.from([0, 1, 0, 2])])), '2001:db8::7'],
    ['v2 TCP6 longest zero run', v2(1, 0x21, Buffer.concat([ipv6('20010db8000000010000000000000007'), ipv6('00000000000000000000000000000001'), Buffer.from([0, 1, 0, 2])])), '2001:db8:0:1::7'],
    ['v2 LOCAL (a health check)', v2(0, 0x00, Buffer.alloc(0)), null],
    ['v2 with TLVs after the addresses', v2(1, 0x11, Buffer.concat([tcp4([10, 0, 0, 5], [10, 0, 0, 1]), Buffer.from([0x04, 0x00, 0x01, 0xff])])), '10.0.0.5'],
  ])('%s', (_name, header, source) => {
    const withData = Buffer.concat([header, Buffer.from([0x10, 0x00])]);
    expect(parseProxyHeader(withData)).toEqual({ state: 'done', source, length: header.length });
    for (let cut = 0; cut < header.length; cut++) expect(parseProxyHeader(header.subarray(0, cut)).state, `first ${cut} bytes`).toBe('more');
  });

  it.each([
    ['MQTT CONNECT instead', Buffer.from([0x10, 0x0c, 0x00, 0x04])],
    ['v1 without CRLF within 107 bytes', Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`)],
    ['v1 with a bad family', v1('PROXY UDP4 1.2.3.4 5.6.7.8 1 2')],
    ['v2 version 3', Buffer.concat([SIG, Buffer.from([0x31, 0x11, 0, 0])])],
  ])('refuses %s', (_name, bytes) => expect(parseProxyHeader(bytes).state).toBe('bad'));
});

/** An MQTT.js client whose TCP connection starts with `header`. */
function clientBehindProxy(port: number, header: Buffer, opts: IClientOptions): Promise<MqttClient> {
  const client = new MqttClient(() => {
    const socket = netConnect(port, '127.0.0.1');
    socket.write(header);
    return socket;
  }, { reconnectPeriod: 0, ...opts, protocolVersion: 4 });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

const codeOf = (p: Promise<MqttClient>): Promise<number> =>
  p.then(
    (c) => {
      c.end(true);
      return 0;
    },
    (err: { code?: number }) => err.code ?? -1,
  );

describe('MQTT over TCP behind a proxy', () => {
  it("login limits count the address in the header, not the proxy's", async () => {
    const tb = await startBroker({ proxyProtocol: true, users: await makeUsers([['alice', 'viewer']]), limits: { authFailuresPerMinute: 2 } });
    const fromA = v1('PROXY TCP4 203.0.113.7 192.0.2.1 51000 1883');
    const fromB = v2(1, 0x11, tcp4([198, 51, 100, 9], [192, 0, 2, 1]));
    for (let i = 0; i < 2; i++) expect(await codeOf(clientBehindProxy(tb.port, fromA, { username: 'alice', password: 'guess' }))).toBe(4);
    expect(await codeOf(clientBehindProxy(tb.port, fromA, { username: 'alice', password: passwordOf('alice') }))).toBe(3); // A is held back
    expect(await codeOf(clientBehindProxy(tb.port, fromB, { username: 'alice', password: passwordOf('alice') }))).toBe(0); // B is not
    expect(warnings(tb, 'connection refused').some((l) => l.remote === '203.0.113.7')).toBe(true);
  });

  it('takes bytes sent with the header as MQTT (guarded like the rest), and refuses a connection without a header', async () => {
    const tb = await startBroker({ proxyProtocol: true });
    const socket = await rawSocket(tb.port);
    const reader = new PacketReader();
    const types: number[] = [];
    socket.on('data', (chunk: Buffer) => types.push(...reader.push(chunk).map((p) => p.type)));
    socket.write(Buffer.concat([v1('PROXY TCP4 203.0.113.7 192.0.2.1 51000 1883'), connectPacket('one-write')])); // one segment
    await until('the CONNACK', () => types.includes(CONNACK));

    // what came with the header passes the packet guard too: a reserved packet type drops it
    const hostile = await rawSocket(tb.port);
    hostile.write(Buffer.concat([v1('PROXY TCP4 203.0.113.8 192.0.2.1 51001 1883'), connectPacket('then-reserved'), Buffer.from([0xf0, 0x00])]));
    await closed(hostile);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'malformed' })).toBe(1);

    const plain = await rawSocket(tb.port);
    plain.write(connectPacket('no-header'));
    await closed(plain);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'proxy_header' })).toBe(1);
    expect(warnings(tb, 'bad PROXY protocol header')).toHaveLength(1);
  });
});
