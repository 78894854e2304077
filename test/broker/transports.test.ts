/** MQTT over WebSocket (an HTTP upgrade on /mqtt) and over TLS with a throwaway certificate, on 3.1.1 and MQTT 5. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from '../support/certs.js';
import { cleanup, closed, connectClient, inbox, metric, rawSocket, serveUpgrades, startBroker, until } from './support/harness.js';
import { connectPacket } from './support/raw-packets.js';

afterEach(cleanup);

describe('MQTT over WebSocket', () => {
  it.each([4, 5] as const)('carries publishes both ways between WebSocket and TCP clients on protocol %i', async (protocolVersion) => {
    const tb = await startBroker();
    const wsUrl = await serveUpgrades(tb);
    const wsClient = await connectClient(wsUrl, { clientId: 'over-ws', protocolVersion });
    const tcpClient = await connectClient(tb.url, { protocolVersion });
    const wsGot = inbox(wsClient);
    const tcpGot = inbox(tcpClient);
    await wsClient.subscribeAsync('lab/to-ws', { qos: 1 });
    await tcpClient.subscribeAsync('lab/to-tcp', { qos: 1 });

    await tcpClient.publishAsync('lab/to-ws', 'hello browser', { qos: 1 });
    await wsClient.publishAsync('lab/to-tcp', 'hello socket', { qos: 2 });
    await until('both messages arrive', () => wsGot.length === 1 && tcpGot.length === 1);
    expect(wsGot).toEqual([['lab/to-ws', 'hello browser']]);
    expect(tcpGot).toEqual([['lab/to-tcp', 'hello socket']]);
    expect(await metric(tb, 'fleetwire_mqtt_connections', { transport: 'ws' })).toBe(1);
    expect(await metric(tb, 'fleetwire_mqtt_received_bytes_total', { transport: 'ws' })).toBeGreaterThan(0);
  });

  it('drops a WebSocket client whose packet is over maxPacketSize', async () => {
    const tb = await startBroker({ limits: { maxPacketSize: 1024 } });
    const wsUrl = await serveUpgrades(tb);
    const wsClient = await connectClient(wsUrl);
    const gone = new Promise<void>((resolve) => wsClient.once('close', () => resolve()));
    wsClient.publish('lab/big', Buffer.alloc(4096), { qos: 0 });
    await gone;
    expect(tb.broker.listening()).toBe(true);
  });
});

describe('MQTT over TLS', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetwire-tls-'));
    const pair = selfSigned(dir, '127.0.0.1');
    cert = readFileSync(pair.cert);
    key = readFileSync(pair.key);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([4, 5] as const)('serves clients that verify the certificate on protocol %i', async (protocolVersion) => {
    const tb = await startBroker({ tls: { port: 0, cert, key } });
    const port = tb.broker.tlsAddress?.port;
    expect(port).toBeGreaterThan(0);
    const secure = await connectClient(`mqtts://127.0.0.1:${port}`, { ca: cert, rejectUnauthorized: true, protocolVersion });
    const got = inbox(secure);
    await secure.subscribeAsync('lab/secure', { qos: 1 });
    const plain = await connectClient(tb.url);
    await plain.publishAsync('lab/secure', 'sealed', { qos: 1 });
    await until('the message arrives over TLS', () => got.length === 1);
    expect(got).toEqual([['lab/secure', 'sealed']]);
    expect(await metric(tb, 'fleetwire_mqtt_connections', { transport: 'tls' })).toBe(1);
  });

  it('drops a client that speaks plain MQTT to the TLS port', async () => {
    const tb = await startBroker({ tls: { port: 0, cert, key } });
    const socket = await rawSocket(tb.broker.tlsAddress?.port ?? 0);
    socket.write(connectPacket('not-tls'));
    await closed(socket);
    await until('the failed handshake is counted', async () => (await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'tls_handshake' })) === 1);
  });
});
