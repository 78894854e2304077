/**
 * A broken store ends the streams that need it, with a reason; the hub itself goes on serving.
 * A single message that cannot be delivered costs only that message.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/hub.js';
import { startRig, stopRigs } from '../support/bridge-rig.js';
import { openRaw, parseSse } from '../support/raw-stream.js';
import { type Session, iframeClient, sseClient, wsClient } from '../support/transport-clients.js';

const sessions: Session[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});
afterAll(stopRigs);

describe('when the database goes away', () => {
  it('a replaying stream ends with a reason, ingest does not throw, and the hub still answers', async () => {
    const rig = await startRig();
    for (let i = 0; i < 5; i++) rig.publish('fail/a', String(i));
    await rig.store.flush();
    rig.db.close();
    const stream = await openRaw(`${rig.url}/events?topic=fail/a&since=0`);
    await waitFor(() => stream.ended(), 10_000, 'the stream to end');
    const end = parseSse(stream.text()).find((e) => e.event === 'end');
    expect(JSON.parse(end?.data as string)).toEqual({ op: 'end', reason: expect.stringContaining('reconnect') });
    expect(() => rig.publish('fail/a', '6')).not.toThrow();
    const res = await fetch(`${rig.url}/api/devices`);
    expect(res.status).toBe(200);
  });
});

describe('a stored message that cannot be encoded', () => {
  it.each([sseClient, wsClient, iframeClient])('is skipped on $name; the stream goes on, replay and live', async (client) => {
    const rig = await startRig();
    for (let i = 1; i <= 3; i++) rig.publish('old/a', String(i));
    await rig.store.flush();
    // As an older version stored a payload nested 100,000 deep: it parses, but JSON.stringify overflows the stack.
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    rig.db.prepare('UPDATE history_messages SET data = ? WHERE seq = 2').run(deep);
    const s = await client.open(rig.url, { filters: ['old/#'], since: 0 });
    sessions.push(s);
    await waitFor(() => s.messages.length === 2, 10_000, 'the two good messages');
    rig.publish('old/a', '4');
    await waitFor(() => s.messages.length === 3, 10_000, 'the live message');
    expect(s.messages.map((m) => m.data)).toEqual([1, 3, 4]);
    expect(s.controls.filter((c) => c.op === 'end')).toEqual([]);
  });
});
