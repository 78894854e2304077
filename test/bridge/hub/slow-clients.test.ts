/**
 * Slow and dead clients: a subscriber that overflows its queue catches up from the store with
 * no gap; one whose transport accepts nothing is cut off with a reason, and neither holds the
 * others back.
 */
import { type Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubMessage } from '../../../protocol/message.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type Session, sseClient, stompClient, wsClient } from '../support/transport-clients.js';
import WebSocket from 'ws';

const sessions: Session[] = [];
const sockets: (Socket | WebSocket)[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const s of sockets.splice(0)) {
    if (s instanceof WebSocket) s.terminate();
    else s.destroy();
  }
  await stopRigs();
});

async function metric(rig: Rig, name: string, labels: Record<string, string>): Promise<number> {
  const m = await rig.metrics.getSingleMetric(name)?.get();
  return m?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0) ?? 0;
}

/** An SSE request on a raw socket that is never read from. */
async function stalledSse(rig: Rig, topic: string): Promise<Socket> {
  const { hostname, port } = new URL(rig.url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET /events?topic=${encodeURIComponent(topic)} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  socket.pause();
  return socket;
}

/** A WebSocket that subscribes and then stops reading; returns it and its paused socket. */
async function stalledWs(rig: Rig, topic: string): Promise<[WebSocket, Socket]> {
  const ws = new WebSocket(`${rig.url.replace(/^http/, 'ws')}/ws`);
  sockets.push(ws);
  const upgraded = new Promise<Socket>((resolve) => ws.once('upgrade', (res) => resolve(res.socket as Socket)));
  await new Promise((r) => ws.once('open', r));
  const socket = await upgraded;
  ws.send(JSON.stringify({ op: 'subscribe', topics: [topic] }));
  ws.send('{"op":"barrier"}');
  await new Promise((r) => ws.once('message', r));
  socket.pause();
  return [ws, socket];
}

/** A STOMP connection that subscribes and then stops reading. */
async function stalledStomp(rig: Rig, topic: string): Promise<[WebSocket, Socket]> {
  const ws = new WebSocket(`${rig.url.replace(/^http/, 'ws')}/stomp`, ['v12.stomp']);
  sockets.push(ws);
  const upgraded = new Promise<Socket>((resolve) => ws.once('upgrade', (res) => resolve(res.socket as Socket)));
  await new Promise((r) => ws.once('open', r));
  const socket = await upgraded;
  ws.send(`CONNECT\naccept-version:1.2\n\n\0SUBSCRIBE\nid:0\ndestination:/topic/${topic}\nreceipt:r\n\n\0`);
  await new Promise<void>((resolve) => ws.on('message', (data) => String(data).startsWith('RECEIPT') && resolve()));
  socket.pause();
  return [ws, socket];
}

describe.each([sseClient, wsClient, stompClient])('a subscriber that overflows its queue ($name)', (client) => {
  it('catches up from the store, in order, with no gap', async () => {
    const rig = await startRig({ limits: { queueLength: 10 } });
    const s = await client.open(rig.url, { filters: ['burst/#'] });
    sessions.push(s);
    for (let i = 0; i < 1000; i++) rig.publish('burst/a', String(i));
    await waitFor(() => s.messages.length >= 1000, 20_000, '1000 messages');
    expect(s.messages.map((m: HubMessage) => m.data)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await metric(rig, 'fleetwire_bridge_catchups_total', { transport: client.name })).toBeGreaterThanOrEqual(1);
  });
});

describe.each([sseClient, wsClient])('a subscriber whose queue passes queueBytes ($name)', (client) => {
  it('catches up from the store long before queueLength, in order, with no gap', async () => {
    const rig = await startRig({ limits: { queueBytes: 8 * 1024 } });
    const s = await client.open(rig.url, { filters: ['wide/#'] });
    sessions.push(s);
    const pad = 'x'.repeat(1000);
    // 200 messages of ~1 KB published in one turn: 200 KB, far under queueLength (1000) but 25 times queueBytes.
    for (let i = 0; i < 200; i++) rig.publish('wide/a', JSON.stringify({ i, pad }));
    await waitFor(() => s.messages.length >= 200, 20_000, '200 messages');
    expect(s.messages.map((m: HubMessage) => (m.data as { i: number }).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(await metric(rig, 'fleetwire_bridge_catchups_total', { transport: client.name })).toBeGreaterThanOrEqual(1);
  });
});

describe('stalled clients', () => {
  it('do not hold back the others, and are cut off as stalled', async () => {
    const rig = await startRig({ limits: { stallTimeoutMs: 3000, maxPayloadBytes: 256 * 1024 } });
    const healthy = [await sseClient.open(rig.url, { filters: ['big/#'] }), await wsClient.open(rig.url, { filters: ['big/#'] })];
    sessions.push(...healthy);
    const sse = await stalledSse(rig, 'big/#');
    const [ws, wsSocket] = await stalledWs(rig, 'big/#');
    await waitFor(async () => (await metric(rig, 'fleetwire_bridge_subscribers', {})) === 4, 10_000, 'four subscribers');
    const payload = JSON.stringify({ pad: 'x'.repeat(200_000) });
    const count = 150; // 30 MB: more than any socket buffer holds
    for (let i = 0; i < count; i++) rig.publish('big/data', payload);
    for (const h of healthy) await waitFor(() => h.messages.length === count, 30_000, `${count} messages on a healthy client`);
    const sseClosed = new Promise((r) => sse.once('close', r));
    const wsClosed = new Promise((r) => ws.once('close', r));
    await waitFor(async () => (await metric(rig, 'fleetwire_bridge_cutoffs_total', { reason: 'stalled' })) === 2, 20_000, 'two cut off');
    // Read again, so the closed connections can be seen from this side.
    sse.resume();
    wsSocket.resume();
    await Promise.all([sseClosed, wsClosed]);
    expect(await metric(rig, 'fleetwire_bridge_subscribers', {})).toBe(2);
    expect(await metric(rig, 'fleetwire_bridge_cutoffs_total', { reason: 'stalled', transport: 'sse' })).toBe(1);
    expect(await metric(rig, 'fleetwire_bridge_cutoffs_total', { reason: 'stalled', transport: 'ws' })).toBe(1);
  });

  it('a STOMP connection that reads nothing is dropped as stalled, and its healthy peer gets everything', async () => {
    const rig = await startRig({ limits: { stallTimeoutMs: 3000, maxPayloadBytes: 256 * 1024 } });
    const healthy = await stompClient.open(rig.url, { filters: ['big/#'] });
    sessions.push(healthy);
    const [stomp, socket] = await stalledStomp(rig, 'big/#');
    const payload = JSON.stringify({ pad: 'x'.repeat(200_000) });
    const count = 60; // 12 MB: more than the socket buffers and the high-water mark hold
    for (let i = 0; i < count; i++) rig.publish('big/data', payload);
    await waitFor(() => healthy.messages.length === count, 30_000, `${count} messages on the healthy client`);
    const closed = new Promise((r) => stomp.once('close', r));
    await waitFor(async () => (await metric(rig, 'fleetwire_bridge_cutoffs_total', { reason: 'stalled', transport: 'stomp' })) === 1, 20_000, 'cut off');
    socket.resume();
    await closed;
    expect(await metric(rig, 'fleetwire_bridge_subscribers', { transport: 'stomp' })).toBe(1);
  }, 60_000);
});
