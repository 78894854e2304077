/** Devices over MQTT over WebSocket (ws://, subprotocol `mqtt`, MQTT 3.1.1 §6): online, telemetry, a command acked. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { eventually, testFleet, track } from './support.js';

/** A plain Aedes reachable only over WebSocket on /mqtt, recording what clients publish and the subprotocols they ask for. */
async function wsBroker(): Promise<{ url: string; aedes: Aedes; published: Array<{ topic: string; text: string }>; subprotocols: Set<string> }> {
  const aedes = await Aedes.createBroker();
  const published: Array<{ topic: string; text: string }> = [];
  const subprotocols = new Set<string>();
  aedes.on('publish', (packet, client) => {
    if (client) published.push({ topic: packet.topic, text: packet.payload.toString() });
  });
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/mqtt' });
  wss.on('connection', (ws) => {
    subprotocols.add(ws.protocol);
    aedes.handle(createWebSocketStream(ws));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  track({
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  });
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`, aedes, published, subprotocols };
}

describe('over WebSocket', () => {
  it('comes online, sends telemetry and acks a command', async () => {
    const { url, aedes, published, subprotocols } = await wsBroker();
    const fleet = await testFleet(url);
    await fleet.ready();
    await eventually('telemetry from every device', () => new Set(published.filter((m) => m.topic.endsWith('/telemetry')).map((m) => m.topic)).size === 5);
    const cmd = { id: 'w1', args: { state: 'blink' } };
    aedes.publish({ cmd: 'publish', topic: 'devices/led-1/cmd/led', payload: Buffer.from(JSON.stringify(cmd)), qos: 1, retain: false, dup: false }, () => {});
    const ack = await eventually('ack', () => published.find((m) => m.topic === 'devices/led-1/ack'));
    expect(JSON.parse(ack.text)).toEqual({ id: 'w1', ok: true, result: { state: 'blink' } });
    expect([...subprotocols]).toEqual(['mqtt']);
  });
});
