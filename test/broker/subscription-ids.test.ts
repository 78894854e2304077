/**
 * MQTT 5 Subscription Identifiers with real MQTT.js v5 clients: one copy of a message matching
 * several of a client's subscriptions carries the identifiers of all of them [MQTT-3.3.4-4]
 * (Paho's test_subscribe_identifiers), a retained message sent on subscribe carries only the
 * new subscription's, and a 3.1.1 client gets none.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, startBroker, until } from './support/harness.js';

afterEach(cleanup);

function packets(client: MqttClient): IPublishPacket[] {
  const got: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => got.push(packet));
  return got;
}
const v5 = { protocolVersion: 5 } as const;
const ids = (p: IPublishPacket | undefined): number[] => [p?.properties?.subscriptionIdentifier ?? []].flat().sort((a, b) => a - b);

describe('subscription identifiers', () => {
  it('puts every matching subscription’s identifier in the one copy, and only the client’s own', async () => {
    const tb = await startBroker();
    const a = await connectClient(tb.url, v5);
    const b = await connectClient(tb.url, v5);
    const old = await connectClient(tb.url, { protocolVersion: 4 });
    const [gotA, gotB, gotOld] = [packets(a), packets(b), packets(old)];
    await a.subscribeAsync('si/a', { qos: 2, properties: { subscriptionIdentifier: 456789 } });
    await b.subscribeAsync('si/a', { qos: 2, properties: { subscriptionIdentifier: 2 } });
    await b.subscribeAsync('si/a/#', { qos: 2, properties: { subscriptionIdentifier: 3 } });
    await b.subscribeAsync('si/+', { qos: 1 }); // no identifier: adds none
    await old.subscribeAsync(['si/a', 'si/#'], { qos: 1 });
    await b.publishAsync('si/a', 'x', { qos: 1 });
    await until('every copy', () => gotA.length === 1 && gotB.length === 1 && gotOld.length === 1);
    expect(ids(gotA[0])).toEqual([456789]);
    expect(ids(gotB[0])).toEqual([2, 3]);
    expect(gotOld[0]?.properties).toBeUndefined();
    await b.publishAsync('si/b', 'y', { qos: 1 });
    await until('the copy of si/b', () => gotB.length === 2);
    expect(gotB[1]?.properties?.subscriptionIdentifier).toBeUndefined();
    expect(gotA).toHaveLength(1);
  });

  it('adds the identifier of a matching subscription when the one that delivered has none', async () => {
    const tb = await startBroker();
    const c = await connectClient(tb.url, v5);
    const got = packets(c);
    await c.subscribeAsync('sj/#', { qos: 1 });
    await c.subscribeAsync('sj/a', { qos: 1, properties: { subscriptionIdentifier: 9 } });
    await c.publishAsync('sj/a', 'x', { qos: 1 });
    await until('the copy', () => got.length === 1);
    expect(ids(got[0])).toEqual([9]);
  });

  it('sends a retained message on subscribe with the new subscription’s identifier alone', async () => {
    const tb = await startBroker();
    const c = await connectClient(tb.url, v5);
    await c.publishAsync('sk/a', 'kept', { qos: 1, retain: true });
    const got = packets(c);
    await c.subscribeAsync('sk/#', { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await until('the first retained copy', () => got.length === 1);
    await c.subscribeAsync('sk/a', { qos: 1, properties: { subscriptionIdentifier: 8 } });
    await until('the second retained copy', () => got.length === 2);
    expect(got.map(ids)).toEqual([[7], [8]]);
  });
});
