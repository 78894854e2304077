/** The $SYS heartbeat and the Prometheus metrics the broker registers. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, inbox, metric, startBroker, until } from './support/harness.js';

afterEach(cleanup);

describe('$SYS heartbeat', () => {
  it('beats on $SYS/<broker id>/heartbeat, which wildcards at the first level do not match', async () => {
    const tb = await startBroker({ heartbeatIntervalMs: 50 });
    const sys = await connectClient(tb.url);
    const beats = inbox(sys);
    await sys.subscribeAsync('$SYS/+/heartbeat', { qos: 0 });
    const all = await connectClient(tb.url);
    const everything = inbox(all);
    await all.subscribeAsync('#', { qos: 0 });
    await until('two heartbeats', () => beats.length >= 2);
    expect(beats[0]).toEqual([`$SYS/${tb.broker.aedes.id}/heartbeat`, tb.broker.aedes.id]);
    expect(everything.filter(([t]) => t.startsWith('$SYS'))).toEqual([]); // [MQTT-4.7.2-1]
  });
});

describe('metrics', () => {
  it('counts connections, messages, bytes and rejects, and leaves the registry on close', async () => {
    const tb = await startBroker();
    const sub = await connectClient(tb.url);
    const got = inbox(sub);
    await sub.subscribeAsync('lab/#', { qos: 1 });
    const pub = await connectClient(tb.url);
    expect(await metric(tb, 'fleetwire_mqtt_connections', { transport: 'tcp' })).toBe(2);
    await pub.publishAsync('lab/a', 'x', { qos: 1 });
    await pub.publishAsync('lab/b', 'y', { qos: 0 });
    await until('both messages arrive', () => got.length === 2);
    expect(await metric(tb, 'fleetwire_mqtt_messages_received_total')).toBe(2);
    expect(await metric(tb, 'fleetwire_mqtt_messages_sent_total')).toBe(2);
    expect(await metric(tb, 'fleetwire_mqtt_received_bytes_total', { transport: 'tcp' })).toBeGreaterThan(0);
    expect(await metric(tb, 'fleetwire_mqtt_sent_bytes_total', { transport: 'tcp' })).toBeGreaterThan(0);
    await pub.endAsync();
    await until('the gauge drops', async () => (await metric(tb, 'fleetwire_mqtt_connections')) === 1);

    const text = await tb.registry.metrics();
    for (const name of ['fleetwire_mqtt_rejects_total', 'fleetwire_mqtt_auth_failures_total', 'fleetwire_mqtt_throttled_total', 'fleetwire_mqtt_ingest_failures_total']) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    await tb.stop();
    expect(await tb.registry.metrics()).not.toContain('fleetwire_mqtt_');
  });
});
