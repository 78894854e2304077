/**
 * The shared delivery suite: every browser transport must deliver what matches and nothing
 * else, in seq order, and resume from a seq with no gap and no duplicate — after a disconnect,
 * while messages keep arriving during the replay, and across a restart — or say `reset` when
 * the resume point is gone. It runs on two rigs: the bridge alone (publishes straight into
 * ingest, small store pages so replays span many, and history that can be forgotten on
 * demand), and the whole hub with a real MQTT device.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubMessage } from '../../protocol/message.js';
import { stopAll, waitFor } from '../support/hub.js';
import { startRig, stopRigs } from './support/bridge-rig.js';
import { startHubRig } from './support/hub-rig.js';
import { ALL_CLIENTS, type OpenOptions, type Session, type TransportClient } from './support/transport-clients.js';

const FILTERS = ['devices/+/telemetry', 'lab/#'];
const n = (m: HubMessage): number => (m.data as { n: number }).n;

/** What the suite needs from a rig. */
interface DeliveryRig {
  readonly url: string;
  publish(topic: string, payload: string): unknown;
  restart(): Promise<void>;
  /** Makes the store forget what it holds; only the bridge rig can. */
  forgetHistory?(): Promise<void>;
  close(): Promise<void>;
}

const RIGS: { name: string; start(): Promise<DeliveryRig> }[] = [
  { name: 'bridge', start: () => startRig({ limits: { pageSize: 50 } }) },
  { name: 'whole hub over MQTT', start: startHubRig },
];

/** Publishes matching messages n = from..to-1 on d1 telemetry, each followed by one that must not match. */
function publishRange(rig: DeliveryRig, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    void rig.publish('devices/d1/telemetry', JSON.stringify({ n: i }));
    void rig.publish('devices/d1/status', JSON.stringify({ online: true }));
  }
}

function expectRange(messages: HubMessage[], from: number, to: number): void {
  expect(messages.map(n)).toEqual(Array.from({ length: to - from }, (_, i) => from + i));
  for (let i = 1; i < messages.length; i++) expect((messages[i] as HubMessage).seq).toBeGreaterThan((messages[i - 1] as HubMessage).seq);
}

const CASES = RIGS.flatMap((rig) => ALL_CLIENTS.map((client) => ({ rig, client, name: `${client.name} on the ${rig.name}` })));

/** Starts a rig per test and closes it, and every session opened, after each. */
function useRig(start: () => Promise<DeliveryRig>, client: TransportClient) {
  const t = {
    rig: null as unknown as DeliveryRig,
    sessions: [] as Session[],
    async open(opts: Partial<OpenOptions> = {}): Promise<Session> {
      const s = await client.open(t.rig.url, { filters: FILTERS, ...opts });
      t.sessions.push(s);
      return s;
    },
    received: (s: Session, count: number) => waitFor(() => s.messages.length >= count, 10_000, `${count} messages over ${client.name}`),
  };
  beforeEach(async () => {
    t.rig = await start();
  });
  afterEach(async () => {
    await Promise.all(t.sessions.splice(0).map((s) => s.close()));
    await t.rig.close();
    await Promise.all([stopRigs(), stopAll()]);
  });
  return t;
}

describe.each(CASES)('delivery over $name', ({ rig: kind, client }) => {
  const t = useRig(kind.start, client);

  it('delivers what matches, in seq order, and nothing else', async () => {
    const s = await t.open();
    const { rig } = t;
    void rig.publish('devices/d1/telemetry', '{"t":1}');
    void rig.publish('devices/d1/status', '{"online":true}');
    void rig.publish('devices/d2/telemetry', '{"t":2}');
    void rig.publish('devices/d1/telemetry/temperature', '21.5');
    void rig.publish('other/topic', 'x');
    void rig.publish('lab/tick', '{"n":1}');
    void rig.publish('lab/end', '{}');
    await waitFor(() => s.messages.some((m) => m.topic === 'lab/end'), 10_000, 'lab/end');
    expect(s.messages.map((m) => m.topic)).toEqual(['devices/d1/telemetry', 'devices/d2/telemetry', 'lab/tick', 'lab/end']);
    expect(s.messages[0]).toMatchObject({ device: 'd1', kind: 'telemetry', data: { t: 1 } });
    expect(s.messages[2]).toMatchObject({ device: null, kind: 'message', data: { n: 1 } });
    expect(s.messages.map((m) => m.seq)).toEqual([...s.messages.map((m) => m.seq)].sort((a, b) => a - b));
  });

  it('resumes after a disconnect with what was published in the gap: no gap, no duplicate', async () => {
    const first = await t.open();
    publishRange(t.rig, 0, 5);
    await t.received(first, 5);
    const cursor = first.cursor();
    await first.close();
    publishRange(t.rig, 5, 10);
    const second = await t.open({ since: cursor });
    publishRange(t.rig, 10, 15);
    await t.received(second, 10);
    expectRange(second.messages, 5, 15);
  });

  it('replays in order while messages keep arriving during the replay', async () => {
    publishRange(t.rig, 0, 400);
    const publishing = (async () => {
      for (let i = 400; i < 600; i++) {
        publishRange(t.rig, i, i + 1);
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const s = await t.open({ since: 0 });
    await publishing;
    await t.received(s, 600);
    expectRange(s.messages, 0, 600);
  });

  it('resumes across a restart', async () => {
    const first = await t.open();
    publishRange(t.rig, 0, 3);
    await t.received(first, 3);
    const cursor = first.cursor();
    await first.close();
    publishRange(t.rig, 3, 6);
    await t.rig.restart();
    publishRange(t.rig, 6, 8);
    const second = await t.open({ since: cursor });
    publishRange(t.rig, 8, 10);
    await t.received(second, 7);
    expectRange(second.messages, 3, 10);
    expect((second.messages[0] as HubMessage).seq).toBeGreaterThan(cursor as number);
  });

  it('says reset for a seq the hub never issued, then goes on live', async () => {
    publishRange(t.rig, 0, 2);
    const s = await t.open({ since: 1_000_000 });
    await waitFor(() => s.controls.some((c) => c.op === 'reset'), 10_000, 'reset');
    publishRange(t.rig, 2, 4);
    await t.received(s, 2);
    expectRange(s.messages, 2, 4);
  });
});

// Only the bridge rig can make the store forget on demand.
describe.each(ALL_CLIENTS)('resume from a forgotten seq over $name', (client) => {
  const t = useRig(RIGS[0]!.start, client);

  it('says reset when the resume point is older than what is stored, then goes on from the oldest kept', async () => {
    publishRange(t.rig, 0, 5);
    await t.rig.forgetHistory?.();
    publishRange(t.rig, 5, 7);
    const s = await t.open({ since: 1 });
    await t.received(s, 2);
    expect(s.controls.filter((c) => c.op === 'reset')).toHaveLength(1);
    expectRange(s.messages, 5, 7);
  });
});
