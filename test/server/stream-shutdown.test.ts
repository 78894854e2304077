/**
 * Closing the hub (what SIGTERM does) ends every browser stream with the promised goodbye
 * before the HTTP server cuts connections: SSE `event: end`, WebSocket 1001, a waiting long
 * poll answered, the iframe's end message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openRaw, parseSse } from '../bridge/support/raw-stream.js';
import { startHub, stopAll, waitFor } from '../support/hub.js';

afterAll(stopAll);

describe('shutdown of streams', () => {
  it('ends SSE, WebSocket, long poll and iframe streams politely, then closes', async () => {
    const hub = await startHub();
    const sse = await openRaw(`${hub.httpUrl}/events?topic=a`);
    const iframe = await openRaw(`${hub.httpUrl}/stream/iframe?topic=a`);
    const ws = new WebSocket(`${hub.httpUrl.replace(/^http/, 'ws')}/ws`);
    await new Promise((r) => ws.once('open', r));
    const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const poll = fetch(`${hub.httpUrl}/api/poll?topic=a&timeout=60`);
    // The long poll is waiting once the hub counts it as a subscriber.
    const subscribers = async () => Number(/^fleetwire_bridge_subscribers\{transport="long-poll"\} (\d+)/m.exec(await (await fetch(`${hub.httpUrl}/metrics`)).text())?.[1] ?? 0);
    await waitFor(async () => (await subscribers()) > 0, 10_000, 'the long poll to wait');

    await hub.close();

    expect(parseSse(sse.text()).filter((e) => e.event === 'end')).toEqual([expect.objectContaining({ data: expect.stringContaining('shutting down') })]);
    expect(iframe.text()).toMatch(/m\(\{"op":"end","reason":"[^"]*shutting down/);
    expect(iframe.text()).toMatch(/<\/html>\n$/);
    expect(await wsClosed).toBe(1001);
    const answered = await poll;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ messages: [] });
    await expect(fetch(`${hub.httpUrl}/healthz`)).rejects.toThrow();
  });
});
