/**
 * What a stranger on the network cannot do to a device: lock it out with failed CONNECTs, take
 * over its client id, or slip malformed strings and wills past the broker (MQTT 3.1.1 input rules).
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, closed, connectClient, inbox, loginAs, makeUsers, metric, rawSession, rawSocket, refusedCode, startBroker, until } from './support/harness.js';
import { connectPacket, publishPacket } from './support/raw-packets.js';

afterEach(cleanup);

const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;

/** Sends raw bytes on a fresh connection and returns everything the broker answered before it closed the connection. */
async function answerBeforeClose(port: number, bytes: Buffer): Promise<Buffer> {
  const socket: Socket = await rawSocket(port);
  const got: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => got.push(chunk));
  socket.write(bytes);
  await closed(socket);
  return Buffer.concat(got);
}

describe('the per-client-id connect limit', () => {
  it('is not charged by failed or anonymous CONNECTs, so a stranger cannot lock a device out', async () => {
    const tb = await startBroker({ users: await makeUsers([['d1', 'device']]), limits: { connectsPerClientIdPerMinute: 3, authFailuresPerMinute: 100 } });
    for (let i = 0; i < 5; i++) expect(await refusedCode(tb.url, { clientId: 'd1', username: 'd1', password: 'guess' })).toBe(BAD_CREDENTIALS);
    for (let i = 0; i < 5; i++) expect(await refusedCode(tb.url, { clientId: 'd1' })).toBe(NOT_AUTHORIZED);
    const device = await connectClient(tb.url, loginAs('d1', 'd1'));
    expect(device.connected).toBe(true);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'connect_rate' })).toBe(0);
  });

  it('still stops a device that reconnects in a loop', async () => {
    const tb = await startBroker({ users: await makeUsers([['d1', 'device']]), limits: { connectsPerClientIdPerMinute: 3 } });
    for (let i = 0; i < 3; i++) await (await connectClient(tb.url, loginAs('d1', 'd1'))).endAsync();
    expect(await refusedCode(tb.url, loginAs('d1', 'd1'))).toBe(SERVER_UNAVAILABLE);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'connect_rate' })).toBe(1);
  });
});

describe("a device's client id", () => {
  it('cannot be taken by a viewer, an admin or an anonymous client: the device stays connected and its will unfired', async () => {
    const tb = await startBroker({ users: await makeUsers([['d1', 'device'], ['vera', 'viewer'], ['ada', 'admin']]), allowAnonymous: true });
    const watcher = await connectClient(tb.url, loginAs('ada'));
    await watcher.subscribeAsync('devices/d1/status', { qos: 1 });
    const seen = inbox(watcher);
    const device = await connectClient(tb.url, { ...loginAs('d1', 'd1'), will: { topic: 'devices/d1/status', payload: Buffer.from('{"online":false}'), qos: 1, retain: false } });

    expect(await refusedCode(tb.url, loginAs('vera', 'd1'))).toBe(IDENTIFIER_REJECTED);
    expect(await refusedCode(tb.url, loginAs('ada', 'd1'))).toBe(IDENTIFIER_REJECTED);
    expect(await refusedCode(tb.url, { clientId: 'd1' })).toBe(IDENTIFIER_REJECTED);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'client_id' })).toBe(3);

    await device.publishAsync('devices/d1/status', '{"online":true}', { qos: 1 });
    await until('the device publish', () => seen.length === 1);
    expect(device.connected).toBe(true);
    expect(seen).toEqual([['devices/d1/status', '{"online":true}']]);
    // Ids of no device stay free for everyone.
    await connectClient(tb.url, loginAs('vera', 'vera-laptop'));
    await connectClient(tb.url, { clientId: 'anyone' });
  });
});

describe('MQTT 3.1.1 input rules', () => {
  it('closes the connection on a PUBLISH topic that is not UTF-8 [MQTT-1.5.3-1], and carries nothing of it', async () => {
    const tb = await startBroker({ users: null });
    const watcher = await connectClient(tb.url);
    await watcher.subscribeAsync('#', { qos: 0 });
    const seen = inbox(watcher);
    const sender = await rawSession(tb.port, 'sender');
    sender.socket.write(Buffer.concat([publishPacket(Buffer.from([0x6c, 0x61, 0x62, 0x2f, 0xff, 0xfe]), 'bad'), publishPacket('lab/after', 'after the bad one')]));
    await closed(sender.socket);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'malformed' })).toBe(1);

    const good = await connectClient(tb.url);
    await good.publishAsync('lab/größe', 'fine', { qos: 1 });
    await until('the good publish', () => seen.length === 1);
    expect(seen).toEqual([['lab/größe', 'fine']]);
  });

  it('closes the connection, without a CONNACK, on a will QoS of 3 [MQTT-3.1.2-14]', async () => {
    const tb = await startBroker({ users: null });
    expect(await answerBeforeClose(tb.port, connectPacket('w3', { will: { topic: 'devices/w3/status', qos: 3 } }))).toHaveLength(0);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'malformed' })).toBe(1);
    const fine = await answerBeforeClose(tb.port, Buffer.concat([connectPacket('w2', { will: { topic: 'devices/w2/status', qos: 2 } }), Buffer.from([0xe0, 0x00])]));
    expect([...fine.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x00]); // CONNACK accepted, then DISCONNECT ends it
  });

  it('refuses a client id longer than 64 characters on MQTT 3.1.1 as well as 3.1', async () => {
    const tb = await startBroker({ users: null });
    expect(await refusedCode(tb.url, { clientId: 'x'.repeat(65), protocolVersion: 4 })).toBe(IDENTIFIER_REJECTED);
    expect(await refusedCode(tb.url, { clientId: 'x'.repeat(60_000), protocolVersion: 4 })).toBe(IDENTIFIER_REJECTED);
    expect(await refusedCode(tb.url, { clientId: 'y'.repeat(65), protocolVersion: 3, protocolId: 'MQIsdp' })).toBe(IDENTIFIER_REJECTED);
    const longest = await connectClient(tb.url, { clientId: 'z'.repeat(64), protocolVersion: 4 });
    expect(longest.connected).toBe(true);
  });
});
