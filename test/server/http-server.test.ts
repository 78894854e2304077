/**
 * The HTTP port against hostile clients, on a whole hub: timeouts and connection caps answered
 * with JSON, oversized requests answered (not reset), and the Host and Origin rules that keep
 * other web pages out of an open hub (DNS rebinding, MQTT over WebSocket).
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addUsers } from '../../auth/index.js';
import { type RawConnection, parseAnswer, rawConnect } from '../support/raw-http.js';
import { type TestHub, startHub, stopAll, tempDir, waitFor } from '../support/hub.js';
import { openRaw, type RawStream } from '../bridge/support/raw-stream.js';

afterAll(stopAll);
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

/** A request with any Host and headers (fetch will not forge Host). */
function send(hub: TestHub, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { port } = new URL(hub.httpUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The status a WebSocket upgrade to `path` gets: 101 when it opens. */
function upgrade(hub: TestHub, path: string, headers: Record<string, string>, protocol?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${hub.httpUrl.replace(/^http/, 'ws')}${path}`, protocol, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

async function stream(hub: TestHub): Promise<RawStream> {
  const s = await openRaw(`${hub.httpUrl}/events?topic=a`);
  opened.push(s);
  expect(s.status).toBe(200);
  return s;
}

async function raw(hub: TestHub): Promise<RawConnection> {
  const c = await rawConnect(hub.httpUrl);
  opened.push({ close: () => c.socket.destroy() });
  return c;
}

describe('an open hub and other web pages', () => {
  it('answers only to loopback names, IP addresses and --allow-host names (DNS rebinding)', async () => {
    const hub = await startHub({ allowHosts: ['hub.example'] });
    const { port } = new URL(hub.httpUrl);
    const rebound = { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, 'content-type': 'application/json' };
    const command = await send(hub, 'POST', '/api/devices/d1/commands', rebound, '{"name":"led","args":{"state":"on"}}');
    expect(command.status).toBe(403);
    expect(JSON.parse(command.body)).toMatchObject({ code: 'forbidden', error: expect.stringContaining('--allow-host') });
    expect((await send(hub, 'POST', '/api/lab/rate', rebound, '{"rate":100}')).status).toBe(403);
    expect((await send(hub, 'GET', '/api/lab/rate', { host: 'localhost' })).body).toContain('"rate":0');
    expect((await send(hub, 'GET', '/metrics', { host: `evil.example:${port}` })).status).toBe(403);
    expect(await upgrade(hub, '/ws', rebound)).toBe(403);
    expect(await upgrade(hub, '/mqtt', rebound, 'mqtt')).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `hub.example:${port}`]) {
      expect((await send(hub, 'GET', '/healthz', { host, origin: `http://${host}` })).status).toBe(200);
    }
  });

  it('with a users file answers any Host: a rebound name carries no session', async () => {
    const usersFile = join(tempDir(), 'users.json');
    await addUsers(usersFile, [{ name: 'ada', role: 'admin', password: 'ada-pass' }]);
    const hub = await startHub({ usersFile });
    expect((await send(hub, 'GET', '/healthz', { host: 'hub.lan:8080' })).status).toBe(200);
    expect((await send(hub, 'GET', '/api/devices', { host: 'hub.lan:8080' })).status).toBe(401);
  });

  it('refuses MQTT over WebSocket from a foreign origin, as /ws', async () => {
    const hub = await startHub({ allowOrigins: ['https://dash.example'] });
    const evil = { origin: 'http://evil.example' };
    expect(await upgrade(hub, '/mqtt', evil, 'mqtt')).toBe(403);
    expect(await upgrade(hub, '/ws', evil)).toBe(403);
    const watcher = await mqtt.connectAsync(hub.mqttUrl, { reconnectPeriod: 0 });
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('devices/+/cmd/#');
    const page = mqtt.connect(`${hub.httpUrl.replace(/^http/, 'ws')}/mqtt`, { reconnectPeriod: 0, wsOptions: { headers: evil } });
    const failed = await new Promise<boolean>((resolve) => {
      page.once('connect', () => resolve(false));
      page.once('error', () => resolve(true));
      page.once('close', () => resolve(true));
    });
    expect(failed).toBe(true);
    page.end(true);
    for (const origin of [hub.httpUrl, 'https://dash.example']) expect(await upgrade(hub, '/mqtt', { origin }, 'mqtt')).toBe(101);
    const own = await mqtt.connectAsync(`${hub.httpUrl.replace(/^http/, 'ws')}/mqtt`, { reconnectPeriod: 0, wsOptions: { headers: { origin: hub.httpUrl } } });
    await own.publishAsync('devices/d1/cmd/led', '{"id":"x","args":{}}');
    await waitFor(() => seen.length > 0, 10_000, 'the same-origin publish');
    expect(seen).toEqual(['devices/d1/cmd/led']);
    await own.endAsync();
    await watcher.endAsync();
  });
});

describe('timeouts', () => {
  it('answers a connection that sends nothing, or stops mid-body, with 408 JSON and closes it', async () => {
    const hub = await startHub({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const silent = await raw(hub);
    const halfBody = await raw(hub);
    halfBody.write('POST /api/lab/rate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"rate":');
    for (const c of [silent, halfBody]) {
      const answer = parseAnswer(await c.closed);
      expect(answer.status).toBe(408);
      expect(answer.body).toMatchObject({ code: 'request_timeout' });
    }
    // A stream is not a slow request: it outlives both timeouts.
    const sse = await stream(hub);
    await new Promise((r) => setTimeout(r, 900));
    expect(sse.ended()).toBe(false);
  });
});

describe('connection caps', () => {
  it('refuses connections past the per-address cap with 429 JSON, streams and WebSockets included', async () => {
    const hub = await startHub({ httpLimits: { maxConnectionsPerAddress: 3 } });
    const first = await stream(hub);
    await stream(hub);
    const ws = new WebSocket(`${hub.httpUrl.replace(/^http/, 'ws')}/ws`);
    opened.push({ close: () => ws.terminate() });
    await new Promise((r) => ws.once('open', r));
    const refused = await raw(hub);
    refused.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const answer = parseAnswer(await refused.closed);
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ code: 'too_many' });
    first.close();
    await waitFor(async () => (await send(hub, 'GET', '/healthz', { host: 'localhost', connection: 'close' }).catch(() => ({ status: 0 }))).status === 200, 10_000, 'room again');
    const metrics = (await send(hub, 'GET', '/metrics', { host: 'localhost', connection: 'close' })).body;
    // At least the refusal above; waiting for room may have been refused too.
    expect(Number(/^fleetwire_http_refused_total\{reason="too_many"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^fleetwire_http_connections 3$/m);
  });

  it('refuses connections past the total cap with 503 JSON', async () => {
    const hub = await startHub({ httpLimits: { maxConnections: 2 } });
    await stream(hub);
    await stream(hub);
    const refused = await raw(hub);
    refused.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const answer = parseAnswer(await refused.closed);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'busy' });
  });
});

describe('oversized requests', () => {
  it('answers a chunked body past the limit with 413 JSON, not a reset', async () => {
    const hub = await startHub();
    const c = await raw(hub);
    c.write('POST /api/devices/d1/commands HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 8 && c.text() === ''; i++) {
      c.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => c.text().includes('}'), 10_000, 'the answer');
    const answer = parseAnswer(c.text());
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'too_large' });
  });

  it('answers headers past the limit with 431 JSON and garbage with 400 JSON', async () => {
    const hub = await startHub();
    const big = await raw(hub);
    big.write(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    const tooBig = parseAnswer(await big.closed);
    expect(tooBig.status).toBe(431);
    expect(tooBig.body).toMatchObject({ code: 'headers_too_large' });
    const garbage = await raw(hub);
    garbage.write('NOT HTTP AT ALL\r\n\r\n');
    const bad = parseAnswer(await garbage.closed);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'bad_request' });
  });
});
