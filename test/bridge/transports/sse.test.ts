/** `GET /events` on the wire: framing, resume headers, keep-alive, refusals, and no forged fields. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubMessage } from '../../../protocol/message.js';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type RawStream, openRaw, parseSse } from '../support/raw-stream.js';

let rig: Rig;
const streams: RawStream[] = [];
beforeAll(async () => {
  rig = await startRig({ limits: { heartbeatMs: 100, sseRetryMs: 1500 } });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await stopRigs();
});

async function open(query: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const s = await openRaw(`${rig.url}/events?${query}`, headers);
  streams.push(s);
  return s;
}
const messagesOf = (s: RawStream) => parseSse(s.text()).filter((e) => e.event !== 'hello');

describe('SSE', () => {
  it('starts with retry and a hello naming the subscriber, then id/event/data per message', async () => {
    const s = await open('topic=sse/a');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toBe('no-store');
    await waitFor(() => s.text().includes('event: hello'), 10_000, 'hello');
    expect(s.text()).toMatch(/^retry: 1500\nevent: hello\ndata: \{"subscriber":"[A-Za-z0-9_-]{16}"\}\n\n/);
    rig.publish('sse/a', '{"x":1}');
    await waitFor(() => messagesOf(s).length === 1, 10_000, 'message');
    const [event] = messagesOf(s);
    const msg = JSON.parse(event?.data as string) as HubMessage;
    expect(event).toEqual({ id: String(msg.seq), event: 'message', data: JSON.stringify(msg) });
    expect(msg).toMatchObject({ topic: 'sse/a', kind: 'message', data: { x: 1 }, device: null });
  });

  it('sends a comment at least every heartbeat', async () => {
    const s = await open('topic=sse/quiet');
    await waitFor(() => (s.text().match(/^: $/gm) ?? []).length >= 2, 10_000, 'two keep-alive comments');
  });

  it('resumes from Last-Event-ID, which wins over ?since=', async () => {
    for (let i = 0; i < 4; i++) rig.publish('sse/r', String(i));
    const all = await open('topic=sse/r&since=0');
    await waitFor(() => messagesOf(all).length === 4, 10_000, 'four');
    const second = JSON.parse(messagesOf(all)[1]?.data as string) as HubMessage;
    const resumed = await open('topic=sse/r&since=0', { 'last-event-id': String(second.seq) });
    await waitFor(() => messagesOf(resumed).length === 2, 10_000, 'two after the id');
    expect(messagesOf(resumed).map((e) => (JSON.parse(e.data) as HubMessage).data)).toEqual([2, 3]);
  });

  it('marks a reset with its id set to the new resume point', async () => {
    const s = await open('topic=sse/none&since=99999999');
    await waitFor(() => parseSse(s.text()).some((e) => e.event === 'reset'), 10_000, 'reset');
    const reset = parseSse(s.text()).find((e) => e.event === 'reset');
    const body = JSON.parse(reset?.data as string) as { op: string; since: number };
    expect(body.op).toBe('reset');
    expect(reset?.id).toBe(String(body.since));
  });

  it.each([
    ['no topic', ''],
    ['a bad filter', 'topic=a/%23/b'],
    ['a bad since', 'topic=a&since=-1'],
    ['a bad subscriber key', 'topic=a&subscriber=no'],
    ['too many filters', Array.from({ length: 40 }, (_, i) => `topic=t${i}`).join('&')],
  ])('refuses %s with 400 and a JSON error', async (_what, query) => {
    const res = await fetch(`${rig.url}/events?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toHaveProperty('error');
  });

  it('answers HEAD with the headers and no stream', async () => {
    const res = await fetch(`${rig.url}/events?topic=a`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toBe('');
  });

  it('refuses a bad Last-Event-ID', async () => {
    expect((await fetch(`${rig.url}/events?topic=a`, { headers: { 'last-event-id': 'abc' } })).status).toBe(400);
  });

  it('lets no device string forge an SSE field: CR/LF and HTML stay inside data', async () => {
    const s = await open('topic=devices/%2B/status&topic=devices/%2B/events&topic=evil/%23');
    const hostile = 'x\r\n\r\nid: 1\nevent: command\ndata: {"forged":true}\n\nretry: 1\r: <script>alert(1)</script>';
    rig.publish('devices/evil/status', JSON.stringify({ online: true, model: hostile, fw: '\n\n' }));
    rig.publish('devices/evil/events', JSON.stringify({ type: hostile }));
    rig.publish('evil/x\r\nevent: command', hostile);
    rig.publish('evil/end', '1');
    await waitFor(() => s.text().includes('evil/end'), 10_000, 'end marker');
    const events = messagesOf(s);
    expect(events.map((e) => e.event)).toEqual(['status', 'event', 'message', 'message']);
    const messages = events.map((e) => JSON.parse(e.data) as HubMessage);
    expect(events.map((e) => e.id)).toEqual(messages.map((m) => String(m.seq)));
    expect(messages[0]?.data).toEqual({ online: true, model: hostile, fw: '\n\n' });
    expect(messages[1]?.data).toEqual({ type: hostile });
    expect(messages[2]).toMatchObject({ topic: 'evil/x\r\nevent: command', data: hostile });
    const lines = s.text().split(/\r\n|\r|\n/);
    expect(new Set(lines.filter((l) => l.startsWith('event:')))).toEqual(new Set(['event: hello', 'event: status', 'event: event', 'event: message']));
    expect(lines.filter((l) => l.startsWith('id:')).every((l) => /^id: \d+$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('retry:'))).toEqual(['retry: 1500']);
    expect(lines.every((l) => l === '' || /^(id|event|data|retry): |^: /.test(l))).toBe(true);
  });

  it('answers 429 past the subscriber limit', async () => {
    const small = await startRig({ limits: { maxSubscribers: 1 } });
    const first = await openRaw(`${small.url}/events?topic=a`);
    streams.push(first);
    const res = await fetch(`${small.url}/events?topic=a`);
    expect(res.status).toBe(429);
    expect(await res.json()).toHaveProperty('error');
  });

  it('ends every stream with the reason when the bridge closes', async () => {
    const closing = await startRig();
    const s = await openRaw(`${closing.url}/events?topic=a`);
    streams.push(s);
    await waitFor(() => s.text().includes('hello'), 10_000, 'hello');
    await closing.bridge.close();
    await waitFor(() => s.ended(), 10_000, 'end of stream');
    const end = parseSse(s.text()).find((e) => e.event === 'end');
    expect(JSON.parse(end?.data as string)).toEqual({ op: 'end', reason: 'the hub is shutting down' });
  });
});
