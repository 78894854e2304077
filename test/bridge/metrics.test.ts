import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createBridgeMetrics } from '../../bridge/metrics.js';

describe('hot counters', () => {
  it('add what their tallies count to the series of their labels, once each, when read', async () => {
    const registry = new Registry();
    const { deliveries } = createBridgeMetrics(registry);
    const series = async (transport: string) => Number(new RegExp(`^fleetwire_bridge_deliveries_total\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(await registry.metrics())?.[1]);
    deliveries.tally({ transport: 'sse' }).inc(2);
    deliveries.tally({ transport: 'sse' }).inc(3);
    deliveries.tally({ transport: 'ws' }).inc(1);
    deliveries.inc({ transport: 'short-poll' }, 4);
    expect(await series('sse')).toBe(5);
    expect(await series('ws')).toBe(1);
    expect(await series('short-poll')).toBe(4);
    // A second read adds nothing; later counts add on.
    expect(await series('sse')).toBe(5);
    deliveries.tally({ transport: 'sse' }).inc(1);
    expect(await series('sse')).toBe(6);
  });
});
