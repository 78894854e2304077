/** Each broker limit, over real connections, plus the checks on the limits themselves. */
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_LIMITS } from '../../broker/index.js';
import { resolveLimits } from '../../broker/limits.js';
import { cleanup, closed, connectClient, inbox, metric, rawSocket, refusedCode, startBroker, subackCodes, until } from './support/harness.js';

afterEach(cleanup);

describe('publish rate', () => {
  it('holds back a client over its rate without losing or reordering its messages', async () => {
    const tb = await startBroker({ limits: { publishesPerSecond: 5 } });
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/#', { qos: 1 });
    const pub = await connectClient(tb.url);
    const sent = Array.from({ length: 12 }, (_, i) => String(i));
    for (const n of sent) pub.publish('lab/burst', n, { qos: 0 });
    await until('every message arrives', () => got.length === sent.length, 15_000);
    expect(got.map(([, p]) => p)).toEqual(sent);
    expect(await metric(tb, 'fleetwire_mqtt_throttled_total')).toBeGreaterThan(0);
  });
});

describe('connections', () => {
  it('refuses a client id that connects too often', async () => {
    const tb = await startBroker({ limits: { connectsPerClientIdPerMinute: 2 } });
    for (let i = 0; i < 2; i++) await (await connectClient(tb.url, { clientId: 'flappy' })).endAsync();
    expect(await refusedCode(tb.url, { clientId: 'flappy' })).toBe(3);
    await connectClient(tb.url, { clientId: 'steady' });
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'connect_rate' })).toBe(1);
  });

  it('refuses connections past maxConnections with Server Busy (v5) or Server unavailable (3.1.1) and keeps the others', async () => {
    const tb = await startBroker({ limits: { maxConnections: 2 } });
    const a = await connectClient(tb.url);
    const b = await connectClient(tb.url);
    expect(await refusedCode(tb.url, { protocolVersion: 5, reconnectPeriod: 0 })).toBe(0x89); // MQTT 5 §3.2.2.2
    expect(await refusedCode(tb.url, { protocolVersion: 4, reconnectPeriod: 0 })).toBe(3); // [MQTT-3.2.2.3]
    expect(await refusedCode(tb.url, { protocolVersion: 3, protocolId: 'MQIsdp', reconnectPeriod: 0 })).toBe(3);
    // A socket that never says which version it speaks is closed without an answer.
    const silent = await rawSocket(tb.port);
    await closed(silent);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'max_connections' })).toBe(4);
    const got = inbox(b);
    await b.subscribeAsync('lab/x', { qos: 1 });
    await a.publishAsync('lab/x', 'still fine', { qos: 1 });
    await until('the message arrives', () => got.length === 1);
  });

  it('refuses a keepalive over the limit and accepts 0 (TCP keepalive finds dead peers)', async () => {
    const tb = await startBroker({ limits: { maxKeepaliveSeconds: 60 } });
    expect(await refusedCode(tb.url, { keepalive: 120 })).toBe(2);
    await connectClient(tb.url, { keepalive: 60 });
    await connectClient(tb.url, { keepalive: 0 });
  });
});

describe('topics and queues', () => {
  it('drops a client publishing or subscribing past maxTopicLevels', async () => {
    const tb = await startBroker({ limits: { maxTopicLevels: 4 } });
    const ok = await connectClient(tb.url);
    expect(await subackCodes(ok, ['a/b/c/d'], 1)).toEqual([1]);
    const deepPub = await connectClient(tb.url);
    const pubGone = new Promise<void>((resolve) => deepPub.once('close', () => resolve()));
    deepPub.publish('a/b/c/d/e', 'x', { qos: 0 });
    await pubGone;
    const deepSub = await connectClient(tb.url);
    const subGone = new Promise<void>((resolve) => deepSub.once('close', () => resolve()));
    deepSub.subscribe('a/b/c/d/e', { qos: 0 });
    await subGone;
    expect(ok.connected).toBe(true);
  });

  it('refuses subscriptions past maxSubscriptionsPerClient until one is dropped', async () => {
    const tb = await startBroker({ limits: { maxSubscriptionsPerClient: 2 } });
    const client = await connectClient(tb.url);
    expect(await subackCodes(client, ['lab/a', 'lab/b', 'lab/c'], 1)).toEqual([1, 1, 128]);
    expect(await subackCodes(client, ['lab/a'], 0)).toEqual([0]); // the same filter again replaces it
    await client.unsubscribeAsync('lab/b');
    expect(await subackCodes(client, ['lab/c'], 1)).toEqual([1]);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'too_many_subscriptions' })).toBe(1);
  });

  it('keeps at most maxQueuedMessages for an absent persistent session', async () => {
    const tb = await startBroker({ limits: { maxQueuedMessages: 3 } });
    const away = await connectClient(tb.url, { clientId: 'queued', clean: false });
    await away.subscribeAsync('lab/q', { qos: 1 });
    await away.endAsync();
    const pub = await connectClient(tb.url);
    for (let i = 1; i <= 5; i++) await pub.publishAsync('lab/q', `m${i}`, { qos: 1 });
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'queue_full' })).toBe(2);

    const back = await connectClient(tb.url, { clientId: 'queued', clean: false });
    const got = inbox(back);
    await until('the queued messages arrive', () => got.length === 3);
    await pub.publishAsync('lab/q', 'live', { qos: 1 });
    await until('the live message arrives', () => got.length === 4);
    expect(got.map(([, p]) => p)).toEqual(['m1', 'm2', 'm3', 'live']);
  });
});

describe('resolveLimits', () => {
  it('fills in defaults and resolves the 0s that mean a built-in value', () => {
    expect(resolveLimits()).toEqual(BROKER_LIMITS);
    const r = resolveLimits({ maxPacketSize: 0, maxTopicLevels: 0, connectTimeoutMs: 0, drainTimeoutMs: 0 });
    expect([r.maxPacketSize, r.maxTopicLevels, r.connectTimeoutMs, r.drainTimeoutMs]).toEqual([268_435_460, 100, 30_000, 0]);
  });

  it.each([
    [{ maxPacketSize: -1 }, /maxPacketSize must be a whole number/],
    [{ publishesPerSecond: 1.5 }, /publishesPerSecond must be a whole number/],
    [{ maxTopicLevels: 101 }, /maxTopicLevels must be at most 100/],
    [{ maxPacketSize: 300_000_000 }, /maxPacketSize must be at most/],
  ])('refuses %j', (given, message) => {
    expect(() => resolveLimits(given)).toThrow(message);
  });
});
