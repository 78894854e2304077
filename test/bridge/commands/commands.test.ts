/**
 * Commands with pushed results: the state machine (pending → acked / failed / timeout), the
 * REST and WebSocket ways in, refusals, and the result pushed to the sender whatever it
 * watches and on whatever transport.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, HubMessage } from '../../../protocol/message.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { ALL_CLIENTS, type Session, sseClient, wsClient } from '../support/transport-clients.js';

let rig: Rig;
const sessions: Session[] = [];
beforeAll(async () => {
  rig = await startRig({ commandTimeoutMs: 400, limits: { maxPendingCommands: 50 } });
  for (const id of ['k1', 'k2', 'k3']) rig.publish(`devices/${id}/status`, '{"online":true}');
  rig.publish('devices/gone/status', '{"online":false}');
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});
afterAll(stopRigs);

async function send(device: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${rig.url}/api/devices/${device}/commands`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
async function sendOk(device: string, body: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await send(device, body, headers);
  expect(res.status).toBe(202);
  const answer = (await res.json()) as { id: string; status: string };
  expect(answer.status).toBe('pending');
  return answer.id;
}
const state = async (id: string): Promise<CommandView> => (await (await fetch(`${rig.url}/api/commands/${id}`)).json()) as CommandView;
const ack = (device: string, body: object) => rig.publish(`devices/${device}/ack`, JSON.stringify(body), { clientId: device });
const commandStates = (s: Session, id: string) => s.messages.filter((m) => m.kind === 'command' && (m.data as unknown as CommandView).id === id).map((m) => (m.data as unknown as CommandView).status);

describe('the command state machine', () => {
  it('publishes at QoS 1 and goes pending → acked, pushed to everyone watching the device', async () => {
    const watcher = await sseClient.open(rig.url, { filters: ['devices/k1/#'] });
    sessions.push(watcher);
    const id = await sendOk('k1', { name: 'led', args: { state: 'on' } });
    expect(rig.published.at(-1)).toEqual({ topic: 'devices/k1/cmd/led', payload: JSON.stringify({ id, args: { state: 'on' } }), qos: 1 });
    expect(await state(id)).toMatchObject({ id, device: 'k1', name: 'led', args: { state: 'on' }, status: 'pending', settled: null });
    ack('k1', { id, ok: true, result: { state: 'on' } });
    await waitFor(() => commandStates(watcher, id).includes('acked'), 10_000, 'acked');
    expect(watcher.messages.map((m) => m.kind)).toEqual(['command', 'ack', 'command']);
    expect(commandStates(watcher, id)).toEqual(['pending', 'acked']);
    expect(await state(id)).toMatchObject({ status: 'acked', result: { state: 'on' }, error: null, settled: expect.any(Number) });
  });

  it('goes pending → failed with the device’s error', async () => {
    const id = await sendOk('k1', { name: 'reboot' });
    ack('k1', { id, ok: false, error: 'busy' });
    expect(await state(id)).toMatchObject({ status: 'failed', error: 'busy', args: {} });
  });

  it('goes pending → timeout when no ack comes, and a late ack changes nothing', async () => {
    const watcher = await sseClient.open(rig.url, { filters: ['devices/k2/cmd/+'] });
    sessions.push(watcher);
    const id = await sendOk('k2', { name: 'led', args: { state: 'off' } });
    await waitFor(() => commandStates(watcher, id).includes('timeout'), 10_000, 'timeout');
    expect(await state(id)).toMatchObject({ status: 'timeout', error: expect.stringContaining('no ack') });
    ack('k2', { id, ok: true });
    expect((await state(id)).status).toBe('timeout');
  });

  it('ignores an ack for the command from another device', async () => {
    const id = await sendOk('k3', { name: 'led', args: { state: 'on' } });
    ack('k1', { id, ok: true });
    expect((await state(id)).status).toBe('pending');
    ack('k3', { id, ok: true });
    expect((await state(id)).status).toBe('acked');
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown device', 'nobody', { name: 'led' }, 404],
    ['an offline device (commands are refused, not queued)', 'gone', { name: 'led' }, 409],
    ['a bad device id', 'bad%20id', { name: 'led' }, 400],
    ['a bad command name', 'k1', { name: 'LED!' }, 400],
    ['args that are not an object', 'k1', { name: 'led', args: [1] }, 400],
    ['no name', 'k1', { args: {} }, 400],
  ])('%s', async (_what, device, body, status) => {
    const before = rig.published.length;
    const res = await send(device, body);
    expect(res.status).toBe(status);
    expect(await res.json()).toHaveProperty('error');
    expect(rig.published.length).toBe(before);
  });

  it('refuses a body that is not JSON and an unknown command id', async () => {
    const res = await fetch(`${rig.url}/api/devices/k1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect((await fetch(`${rig.url}/api/commands/no-such-id`)).status).toBe(404);
  });

  it('refuses a bad sender key', async () => {
    expect((await send('k1', { name: 'led' }, { 'x-fleetwire-subscriber': 'x' })).status).toBe(400);
  });
});

describe('the result is pushed to the sender on any transport, whatever it watches', () => {
  // STOMP takes its own road for this: `/user/queue/commands` (test/bridge/transports/stomp/stomp.test.ts).
  it.each(ALL_CLIENTS.filter((c) => c.name !== 'ws' && c.name !== 'stomp'))('$name', async (client) => {
    const key = `key-${client.name}-0123456789`;
    const streams = client.name === 'sse' || client.name === 'iframe';
    const sender = await client.open(rig.url, { filters: ['lab/#'], query: streams ? {} : { subscriber: key } });
    const bystander = await client.open(rig.url, { filters: ['lab/#'] });
    sessions.push(sender, bystander);
    const senderKey = streams ? (sender.subscriber as string) : key;
    expect(senderKey).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const id = await sendOk('k1', { name: 'led', args: { state: 'on' } }, { 'x-fleetwire-subscriber': senderKey });
    ack('k1', { id, ok: true, result: { state: 'on' } });
    rig.publish('lab/end', '1');
    await waitFor(() => commandStates(sender, id).includes('acked') && sender.messages.some((m) => m.topic === 'lab/end'), 10_000, 'acked at the sender');
    await waitFor(() => bystander.messages.some((m) => m.topic === 'lab/end'), 10_000, 'lab/end at the bystander');
    expect(sender.messages.map((m) => m.kind)).toEqual(['command', 'ack', 'command', 'message']);
    expect(bystander.messages.map((m) => m.topic)).toEqual(['lab/end']);
  });

  it('ws: the command op answers with the id, then pushes the ack and the new state', async () => {
    const ws = await wsClient.open(rig.url, { filters: ['lab/#'] });
    sessions.push(ws);
    ws.send?.({ op: 'command', device: 'k1', name: 'led', args: { state: 'off' } });
    const reply = await waitFor(() => ws.controls.find((c) => c.op === 'command'), 10_000, 'command reply');
    expect(reply).toEqual({ op: 'command', id: expect.any(String), status: 'pending' });
    ack('k1', { id: reply.id, ok: true });
    await waitFor(() => commandStates(ws, reply.id as string).includes('acked'), 10_000, 'acked');
    expect(ws.messages.map((m: HubMessage) => m.kind)).toEqual(['command', 'ack', 'command']);
    ws.send?.({ op: 'command', device: 'nobody', name: 'led' });
    await waitFor(() => ws.controls.some((c) => c.op === 'error'), 10_000, 'error frame');
    expect(ws.controls.at(-1)).toEqual({ op: 'error', error: expect.stringContaining('nobody') });
  });
});

describe('bounds and restarts', () => {
  it('refuses commands past the pending limit with 429', async () => {
    const small = await startRig({ limits: { maxPendingCommands: 1 } });
    small.publish('devices/b1/status', '{"online":true}');
    const post = () => fetch(`${small.url}/api/devices/b1/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"led"}' });
    expect((await post()).status).toBe(202);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('pending') });
  });

  it('reads a command left pending by a restart as timeout once its time is up', async () => {
    // Long enough for the restart (the commit thread started again) to beat it on a loaded machine.
    const restarting = await startRig({ commandTimeoutMs: 3_000 });
    restarting.publish('devices/b2/status', '{"online":true}');
    const res = await fetch(`${restarting.url}/api/devices/b2/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"led"}' });
    const { id } = (await res.json()) as { id: string };
    await restarting.restart();
    const read = async () => (await (await fetch(`${restarting.url}/api/commands/${id}`)).json()) as CommandView;
    expect((await read()).status).toBe('pending');
    const settled = await waitFor(async () => ((await read()).status === 'timeout' ? read() : null), 10_000, 'timeout after the restart');
    expect(settled).toMatchObject({ id, status: 'timeout', settled: expect.any(Number) });
  });
});
