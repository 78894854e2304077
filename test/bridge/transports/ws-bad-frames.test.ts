/**
 * A WebSocket client that floods bad frames: its error replies never queue behind a socket it
 * does not read, and past the bad-frame budget it is closed 1008 while everyone else carries on.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type Session, wsClient } from '../support/transport-clients.js';

const sessions: Session[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  for (const ws of sockets.splice(0)) ws.terminate();
  await stopRigs();
});

/** An open socket that counts the error frames it gets and records its close code. */
async function flooder(rig: Rig): Promise<{ ws: WebSocket; socket: Socket; errors: () => number; closed: Promise<number> }> {
  const ws = new WebSocket(`${rig.url.replace(/^http/, 'ws')}/ws`);
  sockets.push(ws);
  const upgraded = new Promise<Socket>((resolve) => ws.once('upgrade', (res) => resolve(res.socket as Socket)));
  await new Promise((r) => ws.once('open', r));
  let errors = 0;
  ws.on('message', (data) => {
    if ((JSON.parse(String(data)) as { op?: string }).op === 'error') errors++;
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, socket: await upgraded, errors: () => errors, closed };
}

describe('a WebSocket that sends bad frames', () => {
  it('is closed 1008 past its budget of bad frames, and the others carry on', async () => {
    const rig = await startRig({ limits: { wsBadFramesPerMinute: 50 } });
    const healthy = await wsClient.open(rig.url, { filters: ['lab/#'] });
    sessions.push(healthy);
    const bad = await flooder(rig);
    for (let i = 0; i < 10_000 && bad.ws.readyState === bad.ws.OPEN; i++) bad.ws.send('x');
    expect(await bad.closed).toBe(1008);
    expect(bad.errors()).toBe(50);
    rig.publish('lab/after', '1');
    await waitFor(() => healthy.messages.length === 1, 10_000, 'the message on the healthy socket');
    expect(healthy.controls.filter((c) => c.op === 'error')).toEqual([]);
  });

  it('gets no error replies queued while it does not read its socket', { timeout: 90_000 }, async () => {
    const rig = await startRig({ limits: { wsBadFramesPerMinute: 1_000_000, wsHighWaterBytes: 1024 } });
    const bad = await flooder(rig);
    let live = 0;
    bad.ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { seq?: number }).seq !== undefined) live++;
    });
    bad.socket.pause();
    // Each bad filter is answered with ~200 bytes: 20 MB of replies, more than the kernel buffers of a loopback socket hold.
    const frames = 100_000;
    const badFilter = JSON.stringify({ op: 'subscribe', topics: [`a/#/${'x'.repeat(80)}`] });
    for (let i = 0; i < frames; i++) bad.ws.send(badFilter);
    bad.ws.send('{"op":"subscribe","topics":["lab/#"]}');
    await waitFor(() => bad.ws.bufferedAmount === 0, 60_000, 'the flood sent');
    bad.socket.resume();
    // Frames are handled in order: once a message arrives, the hub has read the whole flood.
    let n = 0;
    await waitFor(() => live > 0 || (rig.publish('lab/after', String(n++)), false), 60_000, 'a live message after the flood');
    expect(bad.errors()).toBeGreaterThan(0);
    expect(bad.errors()).toBeLessThan(frames / 2);
    expect(bad.ws.readyState).toBe(bad.ws.OPEN);
  });
});
