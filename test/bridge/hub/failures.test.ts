/** A broken store ends the streams that need it, with a reason; the hub itself goes on serving. */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/hub.js';
import { startRig, stopRigs } from '../support/bridge-rig.js';
import { openRaw, parseSse } from '../support/raw-stream.js';

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
