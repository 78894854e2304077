/** Long and short polling: the answer shape, `next`, `reset`, the timeout and bad parameters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollBody } from '../../../protocol/message.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ limits: { maxPollTimeoutS: 60 } });
});
afterAll(stopRigs);

const get = async (path: string): Promise<PollBody> => {
  const res = await fetch(`${rig.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as PollBody;
};

describe('short poll', () => {
  it('answers at once with the page after since, and a next that skips what did not match', async () => {
    const start = (await get('/api/messages?topic=poll/a')).next;
    for (let i = 0; i < 5; i++) rig.publish('poll/a', String(i));
    rig.publish('poll/other', 'x');
    const page = await get(`/api/messages?topic=poll/a&since=${start}&limit=3`);
    expect(page.messages.map((m) => m.data)).toEqual([0, 1, 2]);
    expect(page.next).toBe(page.messages[2]?.seq);
    const rest = await get(`/api/messages?topic=poll/a&since=${page.next}`);
    expect(rest.messages.map((m) => m.data)).toEqual([3, 4]);
    expect(rest.next).toBeGreaterThan(rest.messages[1]?.seq as number);
    expect(rest).not.toHaveProperty('reset');
    const empty = await get(`/api/messages?topic=poll/a&since=${rest.next}`);
    expect(empty).toEqual({ messages: [], next: rest.next });
  });

  it('says reset for a since beyond the last seq', async () => {
    expect(await get('/api/messages?topic=poll/a&since=9999999')).toMatchObject({ messages: [], reset: true });
  });
});

describe('long poll', () => {
  it('answers as soon as a matching message is published', async () => {
    const start = (await get('/api/messages?topic=poll/b')).next;
    const waiting = get(`/api/poll?topic=poll/b&since=${start}&timeout=60`);
    rig.publish('poll/other', 'no');
    rig.publish('poll/b', '"yes"');
    const body = await waiting;
    expect(body.messages.map((m) => m.data)).toEqual(['yes']);
    expect(body.next).toBe(body.messages[0]?.seq);
  });

  it('answers at the timeout with no messages and a next past what did not match', async () => {
    const start = (await get('/api/messages?topic=poll/c')).next;
    rig.publish('poll/other', 'no');
    const body = await get(`/api/poll?topic=poll/c&since=${start}&timeout=1`);
    expect(body.messages).toEqual([]);
    expect(body.next).toBeGreaterThan(start);
  });

  it('answers at once from history when since is behind', async () => {
    const start = (await get('/api/messages?topic=poll/d')).next;
    rig.publish('poll/d', '1');
    rig.publish('poll/d', '2');
    const body = await get(`/api/poll?topic=poll/d&since=${start}&timeout=60`);
    expect(body.messages.map((m) => m.data)).toEqual([1, 2]);
  });

  it.each([
    ['timeout over 60', '/api/poll?topic=a&timeout=61'],
    ['a negative timeout', '/api/poll?topic=a&timeout=-1'],
    ['limit 0', '/api/poll?topic=a&limit=0'],
    ['limit over the maximum', '/api/messages?topic=a&limit=5000'],
    ['no topic', '/api/messages'],
    ['since that is not a number', '/api/messages?topic=a&since=x'],
  ])('refuses %s with 400', async (_what, path) => {
    const res = await fetch(`${rig.url}${path}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toHaveProperty('error');
  });
});
