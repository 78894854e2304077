/**
 * 1,000 EventSource clients and 1,000 WebSocket clients on the whole hub receive a burst from
 * a real MQTT device intact: every message, once, in seq order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll, waitFor } from '../../support/hub.js';
import { type HubRig, startHubRig } from '../support/hub-rig.js';
import { type Session, type TransportClient, sseClient, wsClient } from '../support/transport-clients.js';

const CLIENTS = 1000;
const BURST = 100;
/** Clients connecting at once: enough to be quick, few enough not to trip accept backlogs. */
const CONNECT_BATCH = 100;

let rig: HubRig;
const sessions: Session[] = [];
beforeAll(async () => {
  // Every client here comes from one address, as if behind one proxy: the per-address cap is raised to fit.
  rig = await startHubRig({ httpLimits: { maxConnectionsPerAddress: 2 * CLIENTS + 10 } });
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await rig.close();
  await stopAll();
}, 60_000);

async function openMany(client: TransportClient, count: number): Promise<Session[]> {
  const opened: Session[] = [];
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => client.open(rig.url, { filters: ['burst/#'] })));
    sessions.push(...batch);
    opened.push(...batch);
  }
  return opened;
}

describe('a thousand clients per transport', () => {
  it('each receive a burst intact', { timeout: 60_000 }, async () => {
    const sse = await openMany(sseClient, CLIENTS);
    const ws = await openMany(wsClient, CLIENTS);
    const metrics = await (await fetch(`${rig.url}/metrics`)).text();
    expect(metrics).toContain(`fleetwire_bridge_subscribers{transport="sse"} ${CLIENTS}`);
    expect(metrics).toContain(`fleetwire_bridge_subscribers{transport="ws"} ${CLIENTS}`);
    for (let i = 0; i < BURST; i++) rig.publish('burst/data', JSON.stringify({ i }));
    const all = [...sse, ...ws];
    await waitFor(() => all.every((s) => s.messages.length >= BURST), 45_000, 'every client to have the burst');
    const expected = Array.from({ length: BURST }, (_, i) => ({ i }));
    const seqs = all[0]?.messages.map((m) => m.seq);
    expect(seqs).toEqual([...(seqs as number[])].sort((a, b) => a - b));
    for (const s of all) {
      expect(s.messages.map((m) => m.data)).toEqual(expected);
      expect(s.messages.map((m) => m.seq)).toEqual(seqs);
    }
  });
});
