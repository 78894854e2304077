/**
 * MQTT 5 across two real nodes (docs/CONTRACT.md "MQTT 5"): a v5 publish's props travel the
 * Redis seq stream to a browser on the other node and into its history; a command sent on one
 * node reaches a v5 device on the other with Response Topic and Correlation Data, and the
 * device's answer with the Correlation Data alone settles it where it was sent.
 */
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { CommandView, HubMessage } from '../../protocol/message.js';
import { sseClient, wsClient } from '../bridge/support/transport-clients.js';
import { type TestNode, useCluster } from '../support/cluster.js';
import { waitFor } from '../support/hub.js';

const { rig, track } = useCluster(['a', 'b']);
const node = (i: number): TestNode => rig().nodes[i] as TestNode;

async function v5Device(url: string, id: string): Promise<MqttClient> {
  return track(await mqtt.connectAsync(url, { clientId: id, protocolVersion: 5, reconnectPeriod: 0 }));
}

const PROPS = { contentType: 'text/plain', user: { site: 'north', k: ['v', 'w'] } };

describe('MQTT 5 in a cluster', () => {
  it('carries a publish’s props to a browser on the other node, live and on replay', async () => {
    const live = track(await wsClient.open(node(1).httpUrl, { filters: ['devices/c5/telemetry'] }));
    const dev = await v5Device(node(0).mqttUrl, 'c5');
    await dev.publishAsync('devices/c5/telemetry', '{"t":1}', { qos: 1, properties: { contentType: 'text/plain', userProperties: { site: 'north', k: ['v', 'w'] } } });
    const [msg] = await waitFor(() => (live.messages.length === 1 ? live.messages : null), 10_000, 'the message on node b');
    expect((msg as HubMessage).props).toEqual(PROPS);
    const replay = track(await sseClient.open(node(1).httpUrl, { filters: ['devices/c5/telemetry'], since: (msg as HubMessage).seq - 1 }));
    await waitFor(() => replay.messages.length === 1, 10_000, 'the replay on node b');
    expect(replay.messages).toEqual(live.messages);
  });

  it('sends a command on one node to a v5 device on the other, settled by the Correlation Data alone', async () => {
    const dev = await v5Device(node(0).mqttUrl, 'c5cmd');
    await dev.subscribeAsync('devices/c5cmd/cmd/+', { qos: 1 });
    await dev.publishAsync('devices/c5cmd/status', '{"online":true}', { qos: 1 });
    await waitFor(async () => ((await (await fetch(`${node(1).httpUrl}/api/devices/c5cmd`)).json()) as { online?: boolean }).online === true, 10_000, 'node b to see the device online');
    const arrived = new Promise<IPublishPacket>((resolve) => dev.once('message', (_t, _p, packet) => resolve(packet)));
    const res = await fetch(`${node(1).httpUrl}/api/devices/c5cmd/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"led"}' });
    const { id } = (await res.json()) as { id: string };
    const packet = await arrived;
    expect(packet.properties?.responseTopic).toBe('devices/c5cmd/ack');
    expect(packet.properties?.correlationData?.toString()).toBe(id);
    await dev.publishAsync('devices/c5cmd/ack', '{"ok":true}', { qos: 1, properties: { correlationData: packet.properties?.correlationData as Buffer } });
    await waitFor(async () => ((await (await fetch(`${node(1).httpUrl}/api/commands/${id}`)).json()) as CommandView).status === 'acked', 10_000, 'acked on node b');
  });
});
