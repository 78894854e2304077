import { request } from 'node:http';
import { connect } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, stopAll, type TestHub } from '../support/hub.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startHub();
});
afterAll(stopAll);

async function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${hub.httpUrl}${path}`, init);
}

describe('the hub process', () => {
  it('is alive and ready', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { broker: true, database: true } });
  });

  it('exports Prometheus metrics that move with MQTT traffic', async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'metrics-probe' });
    await client.publishAsync('devices/m1/telemetry', JSON.stringify({ temperature: 20 }), { qos: 1 });
    await client.endAsync();
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'fleetwire_mqtt_connections', 'fleetwire_mqtt_messages_received_total', 'fleetwire_mqtt_auth_failures_total', 'fleetwire_bridge_messages_total', 'fleetwire_history_commits_total']) expect(text).toContain(name);
    const messagesIn = /^fleetwire_mqtt_messages_received_total(?:\{[^}]*\})? (\d+)/m.exec(text);
    expect(Number(messagesIn?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('serves the dashboard with a CSP that forbids inline script', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('/lab')).status).toBe(200);
  });

  it('answers unknown paths and methods with JSON errors', async () => {
    const missing = await get('/no/such/thing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining('/no/such/thing') });
    const wrongMethod = await get('/healthz', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toHaveProperty('error');
    expect((await get('/../../etc/passwd')).status).toBe(404);
  });

  it('survives garbage on the HTTP port and keeps serving', async () => {
    const { port } = new URL(hub.httpUrl);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(Buffer.from('\x00\xff GARBAGE\r\n\r\n')));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    const res = await new Promise<number>((resolve, reject) => {
      request(`${hub.httpUrl}/healthz`, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(res).toBe(200);
  });

  it('refuses WebSocket upgrades on unknown paths', async () => {
    const { port } = new URL(hub.httpUrl);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /nope HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 404/);
  });
});
