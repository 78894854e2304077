/**
 * A batch the hub hands a WebSocket or STOMP-over-WebSocket subscriber leaves in one socket
 * write, not one per frame: a burst published at once reaches a real client whole, in order,
 * through few writes.
 */
import { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type Session, stompClient, wsClient } from '../support/transport-clients.js';

const BURST = 200;

let rig: Rig;
const sessions: Session[] = [];
beforeAll(async () => {
  rig = await startRig({ limits: { queueLength: BURST } });
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});
afterAll(stopRigs);

/** Counts, while `during` runs, the calls that hand bytes to the kernel on the hub's side of its connections. */
async function serverWrites(during: () => Promise<void>): Promise<number> {
  const port = Number(new URL(rig.url).port);
  const proto = Socket.prototype as Socket & { _write: Socket['_write']; _writev: NonNullable<Socket['_writev']> };
  const { _write: write, _writev: writev } = proto;
  let writes = 0;
  proto._write = function (this: Socket, ...args) {
    if (this.localPort === port) writes++;
    return write.apply(this, args);
  };
  proto._writev = function (this: Socket, ...args) {
    if (this.localPort === port) writes++;
    return writev.apply(this, args);
  };
  try {
    await during();
  } finally {
    Object.assign(proto, { _write: write, _writev: writev });
  }
  return writes;
}

describe('writes to a subscriber over WebSocket', () => {
  it.each([wsClient, stompClient])('$name: sends a burst in a few socket writes, every message whole and in order', async (client) => {
    const s = await client.open(rig.url, { filters: ['burst/#'] });
    sessions.push(s);
    const sent = Array.from({ length: BURST }, (_, i) => ({ topic: `burst/${i % 5}`, data: { n: i } }));
    const writes = await serverWrites(async () => {
      await Promise.all(sent.map(({ topic, data }) => rig.publish(topic, JSON.stringify(data))));
      await waitFor(() => s.messages.length === BURST, 10_000, 'the whole burst');
    });
    expect(s.messages.map((m) => ({ topic: m.topic, data: m.data }))).toEqual(sent);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(BURST / 10);
  });
});
