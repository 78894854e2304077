/**
 * MQTT across a cluster of two real nodes (CLI processes) on one real Redis: a publish on one
 * node reaches subscribers on the other, retained messages and persistent sessions are shared.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { type TestNode, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/hub.js';

const { rig, track } = useCluster(['a', 'b']);
const a = (): TestNode => rig().nodes[0] as TestNode;
const b = (): TestNode => rig().nodes[1] as TestNode;

/**
 * A connected client that records every message from the first. The listener is on before the
 * CONNECT: MQTT.js handles a PUBLISH that arrives in the same read as the CONNACK on a
 * process.nextTick, before connectAsync's promise lets its caller run (a session's queued
 * messages follow the CONNACK at once), so a listener added after `await` can miss it.
 */
async function client(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient & { got: { topic: string; payload: string; retain: boolean }[] }> {
  const c = track(mqtt.connect(url, { reconnectPeriod: 0, ...opts }));
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
    c.once('close', () => reject(new Error(`the connection to ${url} closed before CONNACK`)));
  });
  return Object.assign(c, { got });
}

describe('MQTT across nodes', () => {
  it('delivers a publish on either node to matching subscribers on the other, and to no one else', async () => {
    const onB = await client(b().mqttUrl);
    await onB.subscribeAsync('cross/b/#', { qos: 1 });
    const onA = await client(a().mqttUrl);
    await onA.subscribeAsync('cross/a/#', { qos: 1 });
    await onA.publishAsync('cross/b/x', 'to-b', { qos: 1 });
    await onB.publishAsync('cross/a/y', 'to-a', { qos: 1 });
    await onA.publishAsync('cross/nobody', 'lost', { qos: 1 });
    await waitFor(() => onB.got.length === 1 && onA.got.length === 1, 10_000, 'both deliveries');
    // A marker after everything: once it arrives, anything misrouted would have too.
    await onB.subscribeAsync('cross/marker', { qos: 1 });
    await onA.publishAsync('cross/marker', 'm', { qos: 1 });
    await waitFor(() => onB.got.some((m) => m.topic === 'cross/marker'), 10_000, 'the marker');
    expect(onB.got.map((m) => m.payload)).toEqual(['to-b', 'm']);
    expect(onA.got.map((m) => m.payload)).toEqual(['to-a']);
  });

  it('shares retained messages: set on one node, received on subscribing at the other', async () => {
    const device = await client(a().mqttUrl, { clientId: 'r1' });
    await device.publishAsync('devices/r1/status', '{"online":true,"model":"m"}', { qos: 1, retain: true });
    const browser = await client(b().mqttUrl);
    await browser.subscribeAsync('devices/r1/status', { qos: 1 });
    await waitFor(() => browser.got.length === 1, 10_000, 'the retained status');
    expect(browser.got[0]).toEqual({ topic: 'devices/r1/status', payload: '{"online":true,"model":"m"}', retain: true });
  });

  it('shares persistent sessions: messages queued while away are delivered on reconnecting to the other node', async () => {
    const id = 'sess1';
    const first = await client(a().mqttUrl, { clientId: id, clean: false });
    await first.subscribeAsync(`alerts/${id}/#`, { qos: 1 });
    // The SUBACK says node A stored the subscription; node B learns of it from A's broadcast on Redis.
    // A marker A publishes after it reaches B after it (Redis delivers in order): then B knows too.
    const observer = await client(b().mqttUrl);
    await observer.subscribeAsync([`sync/${id}`, '$SYS/+/disconnect/clients', `alerts/${id}/#`], { qos: 1 });
    await first.publishAsync(`sync/${id}`, 'after the subscription', { qos: 1 });
    await waitFor(() => observer.got.some((m) => m.topic === `sync/${id}`), 8_000, 'the marker on node B');
    await first.endAsync();
    // A message published while node A is still taking the session down races the disconnect
    // (on one broker too); the session is offline once A says so cluster-wide.
    await waitFor(() => observer.got.some((m) => m.topic.endsWith('/disconnect/clients') && m.payload === id), 8_000, 'node A to let the session go');
    const publisher = await client(b().mqttUrl);
    await publisher.publishAsync(`alerts/${id}/fire`, 'queued', { qos: 1 });
    // Aedes answers a QoS 1 PUBLISH before it queues it for offline sessions and then emits it
    // (lib/handlers/publish.js writes the PUBACK, then broker.publish runs enqueueOffline, then
    // emitPacket). A session resumed inside that window gets the message twice, from its queue
    // and live — at least once, as QoS 1 allows [MQTT-4.3.2], on one node too. Once the observer
    // has it, it is queued and no longer on its way live: it must arrive exactly once.
    await waitFor(() => observer.got.some((m) => m.topic === `alerts/${id}/fire`), 8_000, 'the message emitted, so queued');
    const again = await client(b().mqttUrl, { clientId: id, clean: false });
    await waitFor(() => again.got.length >= 1, 8_000, 'the queued message');
    // The session itself lives on: later publishes reach it live; the queued one came once.
    await publisher.publishAsync(`alerts/${id}/flood`, 'live', { qos: 1 });
    await waitFor(() => again.got.some((m) => m.payload === 'live'), 8_000, 'the live message');
    expect(again.got.map((m) => m.payload)).toEqual(['queued', 'live']);
  });
});
