/** `GET /stream/iframe`: a never-ending page whose nonce'd scripts hand messages to the parent. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/hub.js';
import { type Rig, startRig, stopRigs } from '../support/bridge-rig.js';
import { type RawStream, openRaw } from '../support/raw-stream.js';
import { type Session, iframeClient } from '../support/transport-clients.js';

let rig: Rig;
const closers: (() => unknown)[] = [];
beforeAll(async () => {
  rig = await startRig({ allowOrigins: ['https://dash.example'], limits: { iframePageBytes: 8192, heartbeatMs: 100 } });
});
afterAll(async () => {
  for (const close of closers) await close();
  await stopRigs();
});

async function raw(query: string): Promise<RawStream> {
  const s = await openRaw(`${rig.url}/stream/iframe?${query}`);
  closers.push(() => s.close());
  return s;
}
async function frame(query: Record<string, string>, filters: string[]): Promise<Session> {
  const s = await iframeClient.open(rig.url, { filters, query });
  closers.push(() => s.close());
  return s;
}

describe('iframe streaming', () => {
  it('serves HTML under a CSP that only runs this response’s nonce and only frames on allowed parents', async () => {
    const s = await raw('topic=ifr/a');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = s.headers['content-security-policy'] as string;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'self' https://dash.example");
    expect(csp).toContain("default-src 'none'");
    rig.publish('ifr/a', '{"v":1}');
    await waitFor(() => s.text().includes('ifr/a'), 10_000, 'message script');
    const scripts = s.text().match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(scripts.every((tag) => tag === `<script nonce="${nonce}">`)).toBe(true);
    expect(s.text()).toContain('var target=location.origin;');
  });

  it('posts to an allowed cross-origin parent only when asked, and refuses any other', async () => {
    const s = await raw('topic=ifr/a&origin=https%3A%2F%2Fdash.example');
    await waitFor(() => s.text().includes('var target='), 10_000, 'preamble');
    expect(s.text()).toContain('var target="https://dash.example";');
    const refused = await fetch(`${rig.url}/stream/iframe?topic=a&origin=https%3A%2F%2Fevil.example`);
    expect(refused.status).toBe(403);
  });

  it('keeps HTML in device strings inert: no extra element, the same value reaches the parent', async () => {
    const s = await raw('topic=ifr/evil');
    const session = await frame({}, ['ifr/evil']);
    const hostile = '</script><script>window.parent.postMessage("pwned","*")</script><!--\u2028&amp;';
    rig.publish('ifr/evil', JSON.stringify({ model: hostile }));
    rig.publish('ifr/evil', hostile);
    await waitFor(() => session.messages.length === 2, 10_000, 'two messages');
    expect(session.messages.map((m) => m.data)).toEqual([{ model: hostile }, hostile]);
    expect(session.controls.map((c) => c.op)).toEqual(['hello']);
    await waitFor(() => (s.text().match(/pwned/g) ?? []).length === 2, 10_000, 'both messages on the raw page');
    const body = s.text().replace(/<script nonce="[^"]+">[^<]*<\/script>\n/g, '');
    expect(body).not.toMatch(/<script|<\/script/);
  });

  it('ends a full page asking for a reload with since, and the reload goes on with no gap', async () => {
    const first = await frame({}, ['ifr/big']);
    const payload = JSON.stringify({ pad: 'x'.repeat(500) });
    for (let i = 0; i < 30; i++) rig.publish('ifr/big', payload.replace('}', `,"n":${i}}`));
    const end = await waitFor(() => first.controls.find((c) => c.op === 'end'), 10_000, 'end of page');
    const since = Number(/since=(\d+)/.exec(end.reason as string)?.[1]);
    expect(since).toBe(first.cursor());
    const second = await frame({ since: String(since) }, ['ifr/big']);
    await waitFor(() => first.messages.length + second.messages.length >= 30, 10_000, 'all 30');
    expect([...first.messages, ...second.messages].map((m) => (m.data as { n: number }).n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
