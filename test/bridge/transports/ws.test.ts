/** `GET /ws`: ops, bad frames that leave the socket open, liveness, and refused upgrades. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type Session, wsClient } from '../support/transport-clients.js';

let rig: Rig;
const sessions: Session[] = [];
const sockets: WebSocket[] = [];
beforeAll(async () => {
  rig = await startRig({ limits: { pingIntervalMs: 100, maxFrameBytes: 4096 } });
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const ws of sockets.splice(0)) ws.terminate();
});
afterAll(stopRigs);

const wsUrl = () => `${rig.url.replace(/^http/, 'ws')}/ws`;
async function session(filters: string[]): Promise<Session> {
  const s = await wsClient.open(rig.url, { filters });
  sessions.push(s);
  return s;
}
/** Opens a socket, or resolves with the HTTP status that refused the upgrade. */
function upgrade(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    sockets.push(ws);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('WebSocket', () => {
  it.each([
    ['not JSON', '{op:', 'not JSON'],
    ['not an object', '[1]', 'JSON object'],
    ['an unknown op', '{"op":"dance"}', '"op" must be one of'],
    ['subscribe without topics', '{"op":"subscribe"}', 'topics'],
    ['a bad filter', '{"op":"subscribe","topics":["a/#/b"]}', 'not an MQTT topic filter'],
    ['a bad since', '{"op":"subscribe","topics":["a"],"since":-4}', 'seq'],
    ['unsubscribe with a non-string', '{"op":"unsubscribe","topics":[1]}', 'strings'],
    ['a command without a device', '{"op":"command","name":"led"}', 'device'],
  ])('answers %s with an error frame and stays open', async (_what, frame, error) => {
    const ws = await upgrade(wsUrl());
    if (typeof ws === 'number') throw new Error(`refused ${ws}`);
    const replies: { op: string; error: string }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as { op: string; error: string }));
    ws.send(frame);
    ws.send(JSON.stringify({ op: 'subscribe', topics: ['ws/ok'] }));
    ws.send('{"op":"barrier"}');
    await waitFor(() => replies.length === 2, 10_000, 'two error frames');
    expect(replies[0]).toEqual({ op: 'error', error: expect.stringContaining(error) });
    rig.publish('ws/ok', '1');
    await waitFor(() => replies.length === 3, 10_000, 'message after the bad frame');
    expect(replies[2]).toMatchObject({ topic: 'ws/ok', data: 1 });
  });

  it('answers a binary frame with an error frame and stays open', async () => {
    const ws = await upgrade(wsUrl());
    if (typeof ws === 'number') throw new Error(`refused ${ws}`);
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    ws.send(Buffer.from([1, 2, 3]));
    await waitFor(() => replies.length === 1, 10_000, 'error frame');
    expect(replies[0]).toEqual({ op: 'error', error: expect.stringContaining('binary') });
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket that sends a frame over the size limit (1009)', async () => {
    const ws = await upgrade(wsUrl());
    if (typeof ws === 'number') throw new Error(`refused ${ws}`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(5000));
    expect(await closed).toBe(1009);
  });

  it('stops delivering a topic after unsubscribe, and keeps the others', async () => {
    const s = await session(['ws/a', 'ws/b']);
    rig.publish('ws/a', '1');
    await waitFor(() => s.messages.length === 1, 10_000, 'first');
    s.send?.({ op: 'unsubscribe', topics: ['ws/a'] });
    s.send?.({ op: 'subscribe', topics: ['ws/c'] });
    s.send?.({ op: 'barrier' });
    await waitFor(() => s.controls.some((c) => c.op === 'error'), 10_000, 'barrier');
    rig.publish('ws/a', '2');
    rig.publish('ws/b', '3');
    rig.publish('ws/c', '4');
    await waitFor(() => s.messages.length === 3, 10_000, 'two more');
    expect(s.messages.map((m) => m.data)).toEqual([1, 3, 4]);
  });

  it('pings, keeps a socket that answers, and ends one that does not', async () => {
    const answering = await upgrade(wsUrl());
    const silent = await upgrade(wsUrl(), { autoPong: false });
    if (typeof answering === 'number' || typeof silent === 'number') throw new Error('refused');
    let pings = 0;
    answering.on('ping', () => pings++);
    const silentClosed = new Promise<void>((r) => silent.once('close', () => r()));
    await silentClosed;
    await waitFor(() => pings >= 3, 10_000, 'three pings');
    expect(answering.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses an upgrade from a foreign origin with 403, and allows its own host', async () => {
    expect(await upgrade(wsUrl(), { headers: { origin: 'http://evil.example' } })).toBe(403);
    const own = await upgrade(wsUrl(), { headers: { origin: rig.url } });
    expect(own).toBeInstanceOf(WebSocket);
  });

  it('refuses a bad subscriber key with 400 and a full hub with 429', async () => {
    expect(await upgrade(`${wsUrl()}?subscriber=x`)).toBe(400);
    const small = await startRig({ limits: { maxSubscribers: 1 } });
    const url = `${small.url.replace(/^http/, 'ws')}/ws`;
    expect(await upgrade(url)).toBeInstanceOf(WebSocket);
    expect(await upgrade(url)).toBe(429);
  });
});
