/**
 * Commits nobody waits for may wait for company (lazyCommitMs, bridge/history/options.ts): a
 * QoS 0 publish is delivered live and readable for resume at once but reaches the disk with
 * the next commit, which a QoS 1 publish starts at once. Real ingest, real store and commit
 * thread; the lazy window here is ten minutes, so whatever is on disk got there by an
 * awaited commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { wsClient } from '../support/transport-clients.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ commits: { commitIntervalMs: 0, lazyCommitMs: 600_000 } });
});
afterAll(stopRigs);

const onDisk = (topic: string): number => rig.db.prepare('SELECT count(*) FROM history_messages WHERE topic = ?').pluck().get(topic) as number;
const commits = async (): Promise<number> => (await rig.metrics.getSingleMetric('fleetwire_history_commits_total')?.get())?.values[0]?.value ?? 0;

describe('lazy commits', () => {
  it('delivers a QoS 0 message at once and stores it with the next awaited commit', async () => {
    const topic = 'devices/lazy1/telemetry';
    const browser = await wsClient.open(rig.url, { filters: ['devices/lazy1/#'] });
    try {
      const before = await commits();
      expect(rig.publish(topic, JSON.stringify({ temperature: 1 }), { qos: 0 })).toBeUndefined();
      await waitFor(() => browser.messages.length === 1, 5_000, 'the live QoS 0 message');
      expect(rig.store.messagesAfter(0, ['devices/lazy1/#'], 10).messages.map((m) => m.data)).toEqual([{ temperature: 1 }]);
      // With no lazy window it would have been committed on the next turn.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(onDisk(topic)).toBe(0);
      expect(await commits()).toBe(before);

      await rig.publish(topic, JSON.stringify({ temperature: 2 }), { qos: 1 });
      expect(onDisk(topic)).toBe(2);
      expect(await commits()).toBe(before + 1); // one transaction for both
      await waitFor(() => browser.messages.length === 2, 5_000, 'the live QoS 1 message');
    } finally {
      await browser.close();
    }
  });

  it('commits everything lazy on flush', async () => {
    const topic = 'devices/lazy2/telemetry';
    rig.publish(topic, JSON.stringify({ temperature: 3 }), { qos: 0 });
    expect(onDisk(topic)).toBe(0);
    await rig.store.flush();
    expect(onDisk(topic)).toBe(1);
  });
});
