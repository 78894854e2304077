/**
 * The broker hands Aedes a bounded number of bytes per event-loop iteration (broker/read-budget.ts):
 * when many clients flood at once, chunks wait for a later iteration, and nothing is lost,
 * reordered or overtaken by the client's close — over TCP and over WebSocket.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestBroker, cleanup, metric, serveUpgrades, startBroker, until } from './support/harness.js';
import { rawClient, rawSubscriber } from './support/raw-client.js';
import { type RawPacket, connectPacket, publishPacket, publishPayload } from './support/raw-packets.js';

afterEach(cleanup);

const PUBLISHERS = 16;
const MESSAGES = 2_000;
const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** `MESSAGES` QoS 0 publishes from publisher `p` (~70 KB together), numbered in order. */
const publishes = (p: number): Buffer[] => Array.from({ length: MESSAGES }, (_, i) => publishPacket(`flood/${p}`, `${p}:${i}:${'z'.repeat(i % 11)}`));

/** Publisher `p`'s publishes in one buffer, then DISCONNECT. */
const burst = (p: number): Buffer => Buffer.concat([...publishes(p), DISCONNECT]);

/** Per publisher, the message numbers in the order they arrived. */
async function floodSubscriber(tb: TestBroker): Promise<number[][]> {
  const got: number[][] = Array.from({ length: PUBLISHERS }, () => []);
  await rawSubscriber(tb.port, 'flood-sub', 'flood/#', 0, (p: RawPacket) => {
    const [from, n] = publishPayload(p).toString().split(':').map(Number) as [number, number];
    got[from]?.push(n);
  });
  return got;
}

const inOrder = Array.from({ length: MESSAGES }, (_, i) => i);

/** An MQTT connection over WebSocket, CONNACK received; every message is one binary frame. */
async function wsPublisher(url: string, clientId: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'mqtt');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(connectPacket(clientId));
  await new Promise((resolve) => ws.once('message', resolve));
  return ws;
}

describe('the read budget', () => {
  it('passes every message of many simultaneous floods, in each publisher’s order, waiting chunks for later iterations', async () => {
    const tb = await startBroker({ allowAnonymous: true, limits: { publishesPerSecond: 0 } });
    const got = await floodSubscriber(tb);
    const publishers: Socket[] = [];
    for (let p = 0; p < PUBLISHERS; p++) publishers.push(await rawClient(tb.port, `flood-pub-${p}`));

    publishers.forEach((socket, p) => socket.end(burst(p))); // every burst closes its connection right after
    await until('every message arrives', () => got.every((list) => list.length === MESSAGES), 30_000);
    for (const list of got) expect(list).toEqual(inOrder);
    expect(await metric(tb, 'fleetwire_mqtt_read_waits_total'), 'some chunks waited for the budget').toBeGreaterThan(0);
  });

  it('passes a WebSocket client’s last frames before its close, while TCP floods spend the budget', async () => {
    const tb = await startBroker({ allowAnonymous: true, limits: { publishesPerSecond: 0 } });
    const url = await serveUpgrades(tb);
    const got = await floodSubscriber(tb);
    const tcp: Socket[] = [];
    const ws: WebSocket[] = [];
    for (let p = 0; p < PUBLISHERS; p++) {
      if (p % 2 === 0) tcp.push(await rawClient(tb.port, `flood-pub-${p}`));
      else ws.push(await wsPublisher(url, `flood-ws-${p}`));
    }

    tcp.forEach((socket, i) => socket.end(burst(2 * i)));
    ws.forEach((socket, i) => {
      for (const packet of publishes(2 * i + 1)) socket.send(packet);
      socket.close(); // the close frame follows the publishes at once
    });
    await until('every message arrives', () => got.every((list) => list.length === MESSAGES), 30_000);
    for (const list of got) expect(list).toEqual(inOrder);
    expect(await metric(tb, 'fleetwire_mqtt_read_waits_total', { transport: 'ws' }), 'WebSocket frames waited for the budget').toBeGreaterThan(0);
  });
});
