/**
 * MQTT 5 with real v5 clients (MQTT.js protocolVersion 5, mosquitto_pub -V 5, raw packets where a
 * client library keeps to the rules): what CONNACK advertises, reason codes instead of silent
 * drops, flow control, packet sizes both ways, topic aliases, Server Keep Alive, will delay and
 * message expiry kept across a restart.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { IConnackPacket, IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, closed, connectClient, inbox, loginAs, makeUsers, metric, rawSession, rawSocket, refusedCode, sessionPresent, startBroker, subackCodes, until } from './support/harness.js';
import { PacketReader, type RawPacket, connectPacket, publishPacket, pubrelPacket } from './support/raw-packets.js';

afterEach(cleanup);

const v5 = { protocolVersion: 5 } as const;
const DISCONNECT = 14;
const run = promisify(execFile);

/** The CONNACK an MQTT.js v5 client got. */
async function connackOf(url: string, opts: object): Promise<IConnackPacket> {
  const client = await connectClient(url, { ...v5, ...opts });
  const { connackPacket } = client as unknown as { connackPacket: IConnackPacket };
  return connackPacket;
}

/** A raw MQTT 5 connection: resolves after CONNACK; `packets` collects everything after it. */
async function rawV5(port: number, clientId: string): Promise<{ socket: Awaited<ReturnType<typeof rawSocket>>; packets: RawPacket[] }> {
  const socket = await rawSocket(port);
  const reader = new PacketReader();
  const packets: RawPacket[] = [];
  const connack = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      for (const p of reader.push(chunk)) {
        if (p.type === 2) resolve();
        else packets.push(p);
      }
    }),
  );
  socket.write(connectPacket(clientId, { version: 5 }));
  await connack;
  return { socket, packets };
}

describe('connecting with MQTT 5', () => {
  it('advertises the limits in CONNACK, and no shared subscriptions', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 4096, maxInflightInbound: 20 } });
    const { properties } = await connackOf(tb.url, {});
    expect(properties).toMatchObject({ maximumPacketSize: 4096, receiveMaximum: 20, topicAliasMaximum: 64, sharedSubscriptionAvailable: false });
  });

  it('answers bad credentials with 0x86 and a forbidden last will with 0x87', async () => {
    const users = await makeUsers([['d1', 'device']]);
    const tb = await startBroker({ users });
    expect(await refusedCode(tb.url, { ...v5, username: 'd1', password: 'wrong', clientId: 'd1' })).toBe(0x86);
    expect(await refusedCode(tb.url, { ...v5, ...loginAs('d1', 'd1'), will: { topic: 'devices/d2/status', payload: Buffer.from('x'), qos: 1, retain: false } })).toBe(0x87);
  });

  it('tells a client asking for no keepalive or too long a one to use the limit (Server Keep Alive), and still lets 3.1.1 clients use 0', async () => {
    const tb = await startBroker({ limits: { maxKeepaliveSeconds: 60 } });
    expect((await connackOf(tb.url, { keepalive: 0 })).properties?.serverKeepAlive).toBe(60);
    expect((await connackOf(tb.url, { keepalive: 600 })).properties?.serverKeepAlive).toBe(60);
    expect((await connackOf(tb.url, { keepalive: 30 })).properties?.serverKeepAlive).toBeUndefined();
    const old = await connectClient(tb.url, { keepalive: 0 });
    expect(old.connected).toBe(true);
    expect(await refusedCode(tb.url, { keepalive: 600 })).toBe(2);
  });

  it('takes a mosquitto_pub -V 5 publish with its user property to a v5 subscriber', async () => {
    const tb = await startBroker();
    const sub = await connectClient(tb.url, v5);
    const got: IPublishPacket[] = [];
    sub.on('message', (_t, _p, packet) => got.push(packet));
    await sub.subscribeAsync('lab/m5', { qos: 1 });
    await run('mosquitto_pub', ['-V', '5', '-h', '127.0.0.1', '-p', String(tb.port), '-q', '1', '-t', 'lab/m5', '-m', '21.5', '-D', 'publish', 'user-property', 'unit', 'C']);
    await until('the message arrives', () => got.length === 1);
    expect(got[0]?.payload.toString()).toBe('21.5');
    expect(got[0]?.properties?.userProperties).toEqual({ unit: 'C' });
  });
});

describe('reason codes for MQTT 5 clients', () => {
  it('answers a forbidden publish with PUBACK 0x87 and keeps the client connected; a forbidden filter gets SUBACK 0x87', async () => {
    const users = await makeUsers([['d1', 'device'], ['ops', 'admin']]);
    const tb = await startBroker({ users });
    const watcher = await connectClient(tb.url, { ...v5, ...loginAs('ops') });
    const seen = inbox(watcher);
    await watcher.subscribeAsync('devices/#', { qos: 1 });
    const device = await connectClient(tb.url, { ...v5, ...loginAs('d1', 'd1') });
    const acks: number[] = [];
    device.on('packetreceive', (p) => p.cmd === 'puback' && acks.push(p.reasonCode ?? 0));
    await device.publishAsync('devices/d2/telemetry', '{"t":1}', { qos: 1 }).catch(() => undefined);
    await device.publishAsync('devices/d1/telemetry', '{"t":2}', { qos: 1 });
    expect(acks).toEqual([0x87, 0]);
    expect(device.connected).toBe(true);
    await until('the allowed one arrives', () => seen.length === 1);
    expect(seen).toEqual([['devices/d1/telemetry', '{"t":2}']]);
    expect(await subackCodes(device, ['devices/+/cmd/#', 'devices/d1/cmd/#'], 1)).toEqual([0x87, 1]);
  });

  it('refuses a shared subscription with 0x9E; 3.1.1 takes $share/… as an ordinary filter', async () => {
    const tb = await startBroker();
    const client = await connectClient(tb.url, v5);
    expect(await subackCodes(client, ['$share/g/lab/#', 'lab/#'], 1)).toEqual([0x9e, 1]);
    const old = await connectClient(tb.url);
    expect(await subackCodes(old, ['$share/g/lab/#'], 1)).toEqual([1]);
  });

  it('disconnects a client sending a packet over the limit with 0x95, before reading its body', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 1024 } });
    const client = await connectClient(tb.url, v5);
    const disconnect = new Promise<number | undefined>((resolve) => client.once('disconnect', (p) => resolve(p.reasonCode)));
    client.publish('lab/big', Buffer.alloc(4096), { qos: 0 });
    expect(await disconnect).toBe(0x95);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'oversized' })).toBe(1);
  });

  it('disconnects a client going past Receive Maximum with 0x93, and lets one within it go on', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tb = await startBroker({ limits: { maxInflightInbound: 2 }, onPublish: (m) => (m.topic.startsWith('lab/held') ? held : undefined) });
    const within = await rawV5(tb.port, 'within');
    within.socket.write(Buffer.concat([1, 2].map((id) => publishPacket('lab/held', 'x', { qos: 1, messageId: id, version: 5 }))));
    try {
      const over = await rawV5(tb.port, 'over');
      over.socket.write(Buffer.concat([1, 2, 3].map((id) => publishPacket('lab/held', 'x', { qos: 1, messageId: id, version: 5 }))));
      await closed(over.socket);
      expect(over.packets.map((p) => [p.type, p.body[0]])).toEqual([[DISCONNECT, 0x93]]);
    } finally {
      release();
    }
    await until('the one within the window is acknowledged', () => within.packets.length === 2);
    expect(within.socket.destroyed).toBe(false);
  });

  it('drops a 3.1.1 client holding more QoS 2 messages awaiting PUBREL than the window; QoS 1 is not counted for it', async () => {
    const tb = await startBroker({ limits: { maxInflightInbound: 2 } });
    const qos1 = await rawSession(tb.port, 'pipelining');
    qos1.socket.write(Buffer.concat([1, 2, 3, 4].map((id) => publishPacket('lab/q1', 'x', { qos: 1, messageId: id }))));
    await until('every QoS 1 message is acknowledged', () => qos1.types().length === 4);
    const qos2 = await rawSession(tb.port, 'unreleased');
    qos2.socket.write(Buffer.concat([1, 2].map((id) => publishPacket('lab/q2', 'x', { qos: 2, messageId: id }))));
    await until('two PUBRECs', () => qos2.types().length === 2);
    qos2.socket.write(Buffer.concat([pubrelPacket(1), publishPacket('lab/q2', 'x', { qos: 2, messageId: 3 })]));
    await until('a PUBCOMP and a PUBREC', () => qos2.types().length === 4);
    qos2.socket.write(publishPacket('lab/q2', 'x', { qos: 2, messageId: 4 }));
    await closed(qos2.socket);
    expect(qos1.socket.destroyed).toBe(false);
  });
});

describe('MQTT 5 features', () => {
  it('does not send a client a message over the Maximum Packet Size it gave, and sends it the rest', async () => {
    const tb = await startBroker();
    const small = await connectClient(tb.url, { ...v5, properties: { maximumPacketSize: 200 } });
    const got = inbox(small);
    await small.subscribeAsync('lab/size/#', { qos: 1 });
    const pub = await connectClient(tb.url, v5);
    await pub.publishAsync('lab/size/big', Buffer.alloc(500, 'b'), { qos: 1 });
    await pub.publishAsync('lab/size/small', 'fits', { qos: 1 });
    await until('the small one arrives', () => got.length === 1);
    expect(got).toEqual([['lab/size/small', 'fits']]);
  });

  it('resolves topic aliases a client sets up', async () => {
    const tb = await startBroker();
    const sub = await connectClient(tb.url, v5);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/alias/#', { qos: 1 });
    const pub = await connectClient(tb.url, v5);
    await pub.publishAsync('lab/alias/long-topic-name', 'first', { qos: 1, properties: { topicAlias: 3 } });
    await pub.publishAsync('', 'second', { qos: 1, properties: { topicAlias: 3 } });
    await until('both arrive', () => got.length === 2);
    expect(got).toEqual([
      ['lab/alias/long-topic-name', 'first'],
      ['lab/alias/long-topic-name', 'second'],
    ]);
  });

  it('disconnects a client using topic alias 0 with 0x94, and the reason reaches it before the close', async () => {
    const tb = await startBroker();
    const raw = await rawV5(tb.port, 'alias-zero');
    const alias0 = Buffer.from([3, 0x23, 0, 0]); // properties: Topic Alias 0 [MQTT-3.3.2-8]
    const body = Buffer.concat([Buffer.from([0, 6]), Buffer.from('lab/a0'), Buffer.from([0, 1]), alias0, Buffer.from('x')]);
    raw.socket.write(Buffer.concat([Buffer.from([0x32, body.length]), body]));
    await closed(raw.socket);
    expect(raw.packets.map((p) => [p.type, p.body[0]])).toEqual([[DISCONNECT, 0x94]]);
  });

  it('holds a last will back for its Will Delay Interval', async () => {
    const tb = await startBroker();
    const watcher = await connectClient(tb.url, v5);
    const got = inbox(watcher);
    const wills: IPublishPacket[] = [];
    watcher.on('message', (_t, _p, packet) => wills.push(packet));
    await watcher.subscribeAsync('lab/will/#', { qos: 1 });
    const will = (topic: string, delay: number) => ({ topic, payload: Buffer.from('gone'), qos: 1 as const, retain: false, properties: { willDelayInterval: delay } });
    const soon = await connectClient(tb.url, { ...v5, clientId: 'soon', will: will('lab/will/soon', 1), properties: { sessionExpiryInterval: 60 } });
    const later = await connectClient(tb.url, { ...v5, clientId: 'later', will: will('lab/will/later', 3600), properties: { sessionExpiryInterval: 7200 } });
    (soon as unknown as { stream: { destroy(): void } }).stream.destroy();
    (later as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until('the short delay passes and its will goes out', () => got.length === 1);
    const pub = await connectClient(tb.url, v5);
    await pub.publishAsync('lab/will/sentinel', 'end', { qos: 1 });
    await until('the sentinel arrives', () => got.length === 2);
    expect(got).toEqual([
      ['lab/will/soon', 'gone'],
      ['lab/will/sentinel', 'end'],
    ]);
    expect((wills[0]?.properties ?? {}) as Record<string, unknown>).not.toHaveProperty('willDelayInterval'); // a property of the will, not of PUBLISH
  });

  it("delivers a resumed session's queue even when the resuming connection's Session Expiry is 0", async () => {
    const tb = await startBroker();
    const away = await connectClient(tb.url, { ...v5, clientId: 'resumer', clean: true, properties: { sessionExpiryInterval: 600 } });
    await away.subscribeAsync('lab/resume/#', { qos: 1 });
    await away.endAsync();
    const pub = await connectClient(tb.url, v5);
    await pub.publishAsync('lab/resume/a', 'queued', { qos: 1 });
    const back = await connectClient(tb.url, { ...v5, clientId: 'resumer', clean: false });
    const got = inbox(back);
    await until('the queued message arrives', () => got.length === 1);
    expect(got).toEqual([['lab/resume/a', 'queued']]);
    await back.endAsync();
    expect(await sessionPresent(tb.url, { ...v5, clientId: 'resumer', clean: false })).toBe(false); // it ended with that connection
  });

  it('keeps Session Expiry across a restart: an away session ends at its time, even if that came while the broker was down', async () => {
    const first = await startBroker();
    const session = (clientId: string, sessionExpiryInterval: number) => ({ ...v5, clientId, clean: false, properties: { sessionExpiryInterval } });
    for (const [id, seconds] of [['short', 1], ['during-run', 2], ['long', 3600]] as const) {
      const c = await connectClient(first.url, session(id, seconds));
      await c.subscribeAsync(`lab/session/${id}`, { qos: 1 });
      await c.endAsync();
    }
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // 'short' ends while the broker is down

    const again = await startBroker({ dir: first.dir });
    const stored = () => (again.db.prepare('SELECT client_id FROM broker_sessions ORDER BY client_id').pluck().all() as string[]).join(',');
    expect(stored()).toBe('during-run,long');
    await until("'during-run' ends on the re-armed timer", () => stored() === 'long');
    expect(again.db.prepare("SELECT COUNT(*) FROM broker_subscriptions WHERE client_id IN ('short', 'during-run')").pluck().get()).toBe(0);
    expect(await sessionPresent(again.url, session('short', 60))).toBe(false);
    expect(await sessionPresent(again.url, session('long', 3600))).toBe(true);
  });

  it('keeps the Message Expiry Interval of retained and queued messages across a restart', async () => {
    const first = await startBroker();
    const session = { ...v5, clientId: 'away', clean: false, properties: { sessionExpiryInterval: 3600 } };
    const away = await connectClient(first.url, session);
    await away.subscribeAsync('lab/expiry/#', { qos: 1 });
    await away.endAsync();
    const pub = await connectClient(first.url, v5);
    await pub.publishAsync('lab/expiry/retained-long', 'long', { qos: 1, retain: true, properties: { messageExpiryInterval: 3600 } });
    await pub.publishAsync('lab/expiry/retained-short', 'short', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('lab/expiry/queued-short', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('lab/expiry/queued-long', 'long', { qos: 1, properties: { messageExpiryInterval: 3600 } });
    await pub.endAsync();
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the short interval

    const again = await startBroker({ dir: first.dir });
    const back = await connectClient(again.url, session);
    const queued: IPublishPacket[] = [];
    back.on('message', (_t, _p, packet) => queued.push(packet));
    await until('the live queued message arrives', () => queued.length >= 1);
    const late = await connectClient(again.url, v5);
    const retained: IPublishPacket[] = [];
    late.on('message', (_t, _p, packet) => retained.push(packet));
    await late.subscribeAsync('lab/expiry/#', { qos: 1 });
    await late.publishAsync('lab/expiry/sentinel', 'end', { qos: 1 });
    await until('the sentinel arrives', () => retained.some((p) => p.topic === 'lab/expiry/sentinel') && queued.some((p) => p.topic === 'lab/expiry/sentinel'));
    expect(queued.map((p) => p.topic)).toEqual(['lab/expiry/retained-long', 'lab/expiry/queued-long', 'lab/expiry/sentinel']);
    expect(retained.map((p) => p.topic)).toEqual(['lab/expiry/retained-long', 'lab/expiry/sentinel']);
    const left = retained[0]?.properties?.messageExpiryInterval ?? 0;
    expect(left).toBeGreaterThan(3500);
    expect(left).toBeLessThanOrEqual(3600);
  });
});
