/**
 * GET /api/commands: the command history per device, newest first, in pages, with each
 * command's state — also commands sent before a restart, and ones left pending by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView } from '../../../protocol/message.js';
import type { CommandPage } from '../../../bridge/history/index.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';

let rig: Rig;
beforeAll(async () => {
  // Long enough for the acks below and a restart (the commit thread started again) to beat it on a
  // loaded machine; the unanswered command then times out.
  rig = await startRig({ commandTimeoutMs: 3_000 });
  for (const id of ['h1', 'h2']) rig.publish(`devices/${id}/status`, '{"online":true}');
});
afterAll(stopRigs);

const send = async (device: string, name: string): Promise<string> => {
  const res = await fetch(`${rig.url}/api/devices/${device}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, args: {} }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
};
const list = async (query: string): Promise<{ status: number; body: CommandPage & { error?: string } }> => {
  const res = await fetch(`${rig.url}/api/commands?${query}`);
  return { status: res.status, body: (await res.json()) as CommandPage & { error?: string } };
};
const ack = (device: string, body: object) => rig.publish(`devices/${device}/ack`, JSON.stringify(body), { clientId: device });

describe('the command history', () => {
  const sent: string[] = [];

  it('lists a device’s commands newest first with their states, not other devices’', async () => {
    sent.push(await send('h1', 'led'));
    sent.push(await send('h1', 'reboot'));
    sent.push(await send('h1', 'ping'));
    const other = await send('h2', 'led');
    ack('h1', { id: sent[0], ok: true, result: { state: 'on' } });
    ack('h1', { id: sent[1], ok: false, error: 'busy' });
    // sent[2] gets no ack: it times out.
    await waitFor(async () => (await list('device=h1')).body.commands.every((c) => c.status !== 'pending'), 10_000, 'all settled');
    const page = (await list('device=h1')).body;
    expect(page.commands.map((c) => c.created)).toEqual(page.commands.map((c) => c.created).sort((a, b) => b - a));
    const byId = new Map(page.commands.map((c) => [c.id, c]));
    expect(byId.size).toBe(3);
    expect(byId.get(sent[0] as string)).toMatchObject({ name: 'led', status: 'acked', result: { state: 'on' } });
    expect(byId.get(sent[1] as string)).toMatchObject({ name: 'reboot', status: 'failed', error: 'busy', device: 'h1' });
    expect(byId.get(sent[2] as string)).toMatchObject({ name: 'ping', status: 'timeout' });
    expect(page.next).toBeNull();
    expect(page.commands.map((c) => c.id)).not.toContain(other);
    expect((await list('')).body.commands.map((c) => c.id)).toContain(other);
  });

  it('pages with the next cursor, with no command given twice or skipped', async () => {
    const whole = (await list('device=h1')).body.commands.map((c) => c.id);
    const seen: CommandView[] = [];
    let query = 'device=h1&limit=2';
    for (;;) {
      const { status, body } = await list(query);
      expect(status).toBe(200);
      expect(body.commands.length).toBeLessThanOrEqual(2);
      seen.push(...body.commands);
      if (body.next === null) break;
      query = `device=h1&limit=2&before=${encodeURIComponent(body.next)}`;
    }
    expect(seen.map((c) => c.id)).toEqual(whole);
    expect(new Set(whole)).toEqual(new Set(sent));
  });

  it('filters by creation time', async () => {
    const all = (await list('device=h1')).body.commands;
    const middle = all[1] as CommandView;
    const only = (await list(`device=h1&from=${middle.created}&to=${middle.created + 1}`)).body.commands;
    expect(only.map((c) => c.id)).toContain(middle.id);
    expect(only.every((c) => c.created === middle.created)).toBe(true);
  });

  it('keeps the history across a restart, and a command left pending reads as timeout', async () => {
    const left = await send('h2', 'slow');
    await rig.store.flush();
    await rig.restart();
    const before = (await list('device=h2')).body.commands.find((c) => c.id === left);
    expect(before?.status).toBe('pending');
    await waitFor(async () => (await list('device=h2')).body.commands.find((c) => c.id === left)?.status === 'timeout', 10_000, 'left-over command timed out');
    expect(new Set((await list('device=h1')).body.commands.map((c) => c.id))).toEqual(new Set(sent));
  });

  it.each([
    ['an unknown device', 'device=ghost', /unknown device/],
    ['a malformed device', 'device=a%20b', /device must be/],
    ['a limit of 0', 'limit=0', /limit must be/],
    ['a limit over the maximum', 'limit=100000', /limit must be/],
    ['a cursor that is not one', 'before=yesterday', /before must be/],
    ['from after to', 'from=10&to=5', /from must be before to/],
    ['a repeated parameter', 'device=h1&device=h2', /more than once/],
  ])('refuses %s with 400 and the reason', async (_name, query, reason) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(body.error).toMatch(reason);
  });
});
