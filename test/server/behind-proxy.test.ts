/**
 * The hub behind a load balancer or a reverse proxy, on real sockets: PROXY protocol headers
 * written by a raw socket before HTTP, WebSocket upgrades and TLS, and X-Forwarded-For from a
 * trusted peer. Logs and limits must see the address in the header, and a peer that is not
 * trusted must not be able to choose its address.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Socket, connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, createWebSocketStream } from 'ws';
import { addUsers } from '../../auth/index.js';
import { type PemFiles, selfSigned } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { startHub, stopAll, tempDir } from '../support/hub.js';
import { parseAnswer, rawConnect } from '../support/raw-http.js';
import { stompConnect } from '../bridge/support/stomp-client.js';

afterAll(stopAll);
vi.setConfig({ testTimeout: 120_000 });

let usersFile: string;
let pair: PemFiles;
beforeAll(async () => {
  const dir = tempDir();
  usersFile = join(dir, 'users.json');
  await addUsers(usersFile, [{ name: 'ada', role: 'admin', password: 'ada-pass' }]);
  pair = selfSigned(dir, 'hub');
});

/** A PROXY protocol v1 line naming `client` as the source. */
const proxyLine = (client: string): string => `PROXY TCP4 ${client} 192.0.2.1 51000 443\r\n`;

const LOGIN_BODY = JSON.stringify({ name: 'ada', password: 'wrong' });
const loginRequest = (extra = ''): string => `POST /api/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: ${LOGIN_BODY.length}\r\nConnection: close\r\n${extra}\r\n${LOGIN_BODY}`;

/** The status of a failed login sent on a raw socket after `prefix` (a PROXY header, or nothing). */
async function failedLogin(url: string, prefix: string, extraHeaders = ''): Promise<number> {
  const conn = await rawConnect(url);
  conn.write(prefix + loginRequest(extraHeaders));
  return parseAnswer(await conn.closed).status;
}

/** Ten failed logins a minute per address (bridge/access): the eleventh from `first` is refused, one from `second` is checked. */
async function expectLoginLimitPerAddress(attempt: (address: string) => Promise<number>, first: string, second: string): Promise<void> {
  for (let i = 0; i < 10; i++) expect(await attempt(first)).toBe(401);
  expect(await attempt(first)).toBe(429);
  expect(await attempt(second)).toBe(401);
}

/** An MQTT client over `stream`; resolves with the CONNACK code (0: connected, then closed). */
function connackCode(stream: () => NodeJS.ReadWriteStream & { destroy(): void }, opts: IClientOptions): Promise<number> {
  const client = new MqttClient(stream as never, { reconnectPeriod: 0, protocolVersion: 4, ...opts });
  return new Promise((resolve) => {
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve(err.code ?? -1);
    });
  });
}

const ada = (password: string): IClientOptions => ({ username: 'ada', password, clientId: `ada-${Math.random().toString(36).slice(2)}` });

/** One failed MQTT login a minute per address: a second attempt from `first` gets 3, a first one from `second` is checked (4). */
async function expectMqttLimitPerAddress(attempt: (address: string, password: string) => Promise<number>, first: string, second: string): Promise<void> {
  expect(await attempt(first, 'wrong')).toBe(4);
  expect(await attempt(first, 'ada-pass')).toBe(3);
  expect(await attempt(second, 'ada-pass')).toBe(0);
}

describe('PROXY protocol on the HTTP port', () => {
  it('the login limit counts the address in the header; a connection without one is refused', async () => {
    const hub = await startHub({ usersFile, httpProxyProtocol: true });
    await expectLoginLimitPerAddress((address) => failedLogin(hub.httpUrl, proxyLine(address)), '203.0.113.7', '198.51.100.9');
    const plain = await rawConnect(hub.httpUrl);
    plain.write('GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n');
    expect(await plain.closed).toBe('');
  });

  it('connections per address are counted by the address in the header', async () => {
    const hub = await startHub({ usersFile, httpProxyProtocol: true, httpLimits: { maxConnectionsPerAddress: 1 } });
    const held = await rawConnect(hub.httpUrl);
    held.write(proxyLine('203.0.113.7'));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the hub has read the header
    const second = await rawConnect(hub.httpUrl);
    second.write(`${proxyLine('203.0.113.7')}GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n`);
    expect(parseAnswer(await second.closed).status).toBe(429);
    const other = await rawConnect(hub.httpUrl);
    other.write(`${proxyLine('198.51.100.9')}GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n`);
    expect(parseAnswer(await other.closed).status).toBe(200);
    held.socket.destroy();
  });

  it('MQTT over WebSocket takes the address in the header for its login limit', async () => {
    const hub = await startHub({ usersFile, httpProxyProtocol: true, brokerLimits: { authFailuresPerMinute: 1 } });
    const { port } = new URL(hub.httpUrl);
    const overWs = (address: string, password: string): Promise<number> =>
      connackCode(() => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`, 'mqtt', {
          createConnection: () => {
            const socket = netConnect(Number(port), '127.0.0.1');
            socket.write(proxyLine(address));
            return socket;
          },
        });
        return createWebSocketStream(ws);
      }, ada(password));
    await expectMqttLimitPerAddress(overWs, '203.0.113.7', '198.51.100.9');
  });

  it('HTTPS: the header comes before the handshake, sent apart or in one segment with the ClientHello', async () => {
    const hub = await startHub({ usersFile, tlsCert: pair.cert, tlsKey: pair.key, httpProxyProtocol: true, httpLimits: { maxConnectionsPerAddress: 1 } });
    const { port } = new URL(hub.httpUrl);
    const ca = readFileSync(pair.cert);
    /** A TLS connection whose TCP stream starts with a PROXY header for `address`; resolves with what the hub answered to GET /healthz. */
    const get = (address: string, oneSegment: boolean, keep = false): Promise<{ status: number; socket: Socket }> =>
      new Promise((resolve) => {
        const raw = netConnect(Number(port), '127.0.0.1');
        let text = '';
        // A TLS socket over a socket closed before the handshake never closes itself: the raw one says it.
        raw.once('close', () => resolve({ status: parseAnswer(text).status, socket: raw }));
        if (oneSegment) raw.cork();
        raw.write(proxyLine(address));
        const start = (): void => {
          if (raw.destroyed) return;
          const secure = tlsConnect({ socket: raw, ca, checkServerIdentity: () => undefined });
          secure.on('data', (d: Buffer) => {
            text += d.toString();
            if (keep && text.includes('\r\n\r\n')) resolve({ status: parseAnswer(text).status, socket: secure });
          });
          secure.on('error', () => undefined);
          secure.write(`GET /healthz HTTP/1.1\r\nHost: hub\r\n${keep ? '' : 'Connection: close\r\n'}\r\n`);
          if (oneSegment) process.nextTick(() => raw.uncork());
        };
        if (oneSegment) start();
        else raw.once('connect', () => setTimeout(start, 100));
      });
    const held = await get('203.0.113.7', true, true);
    expect(held.status).toBe(200);
    expect((await get('203.0.113.7', false)).status).toBe(0); // over the per-address cap: closed before the handshake
    expect((await get('198.51.100.9', false)).status).toBe(200);
    expect((await get('198.51.100.10', true)).status).toBe(200);
    held.socket.destroy();
  });
});

describe('PROXY protocol on MQTT over TLS', () => {
  it.each([
    ['sent apart from', false],
    ['in one segment with', true],
  ])('the header %s the ClientHello: the login limit counts its address', async (_name, oneSegment) => {
    const hub = await startHub({ usersFile, tlsCert: pair.cert, tlsKey: pair.key, tlsProxyProtocol: true, brokerLimits: { authFailuresPerMinute: 1 } });
    expect(hub.describe()).toContain(`  MQTT over TLS   ${hub.mqttsUrl}  (PROXY protocol)`);
    const port = Number(new URL(hub.mqttsUrl ?? '').port);
    const ca = readFileSync(pair.cert);
    const overTls = async (address: string, password: string): Promise<number> => {
      const raw = netConnect(port, '127.0.0.1');
      if (oneSegment) raw.cork();
      raw.write(proxyLine(address));
      // Apart: the hub has read the header, and paused the socket, before the ClientHello is sent.
      if (!oneSegment) await new Promise((resolve) => raw.once('connect', () => setTimeout(resolve, 150)));
      const secure = tlsConnect({ socket: raw, ca, checkServerIdentity: () => undefined });
      if (oneSegment) process.nextTick(() => raw.uncork());
      return connackCode(() => secure, ada(password));
    };
    await expectMqttLimitPerAddress(overTls, '203.0.113.7', '198.51.100.9');
  });
});

describe('--trust-proxy and X-Forwarded-For', () => {
  it('a trusted peer names the client: the login limit and MQTT over WebSocket count that address', async () => {
    const hub = await startHub({ usersFile, trustProxy: ['loopback'], brokerLimits: { authFailuresPerMinute: 1 } });
    expect(hub.describe()).toContain(`  dashboard       ${hub.httpUrl}/  (client address from x-forwarded-for of loopback)`);
    await expectLoginLimitPerAddress((address) => failedLogin(hub.httpUrl, '', `X-Forwarded-For: 6.6.6.6, ${address}\r\n`), '203.0.113.7', '198.51.100.9');
    const wsUrl = `${hub.httpUrl.replace(/^http/, 'ws')}/mqtt`;
    const overWs = (address: string, password: string): Promise<number> => connackCode(() => createWebSocketStream(new WebSocket(wsUrl, 'mqtt', { headers: { 'x-forwarded-for': address } })), ada(password));
    await expectMqttLimitPerAddress(overWs, '203.0.113.7', '198.51.100.9');
  });

  it('STOMP logins over WebSocket and SockJS count the forwarded address', async () => {
    const hub = await startHub({ usersFile, trustProxy: ['loopback'] });
    /** A STOMP login refusal as the status the HTTP login would give: 401 wrong password, 429 limit reached. */
    const asStatus = (message: string): number => (/failed logins a minute/.test(message) ? 429 : /wrong name or password/.test(message) ? 401 : 0);
    const overWs = (address: string): Promise<number> =>
      stompConnect(hub.httpUrl, { headers: { 'x-forwarded-for': address }, connectHeaders: { login: 'ada', passcode: 'wrong' } }).then(
        () => 200,
        (err: Error) => asStatus(err.message),
      );
    await expectLoginLimitPerAddress(overWs, '203.0.113.7', '198.51.100.9');
    let session = 0;
    const overSockjs = async (address: string): Promise<number> => {
      const path = `${hub.httpUrl}/sockjs/000/s${++session}`;
      const post = (transport: string, body?: string): Promise<string> => fetch(`${path}/${transport}`, { method: 'POST', headers: { 'x-forwarded-for': address, 'content-type': 'text/plain' }, body }).then((res) => res.text());
      expect(await post('xhr')).toBe('o\n');
      await post('xhr_send', JSON.stringify(['CONNECT\naccept-version:1.2\nlogin:ada\npasscode:wrong\n\n\u0000']));
      return asStatus(await post('xhr'));
    };
    await expectLoginLimitPerAddress(overSockjs, '192.0.2.77', '192.0.2.78');
  });

  it('Forwarded is read instead when told', async () => {
    const hub = await startHub({ usersFile, trustProxy: ['127.0.0.1'], forwardedHeader: 'forwarded' });
    await expectLoginLimitPerAddress((address) => failedLogin(hub.httpUrl, '', `Forwarded: for="${address}:4711"\r\nX-Forwarded-For: 1.1.1.1\r\n`), '203.0.113.7', '198.51.100.9');
  });

  it('spoofing does not work: a peer that is not trusted is limited by its own address whatever it sends', async () => {
    const hub = await startHub({ usersFile, trustProxy: ['10.0.0.0/8'] });
    for (let i = 0; i < 10; i++) expect(await failedLogin(hub.httpUrl, '', `X-Forwarded-For: 203.0.113.${i}\r\nForwarded: for=203.0.113.${i}\r\n`)).toBe(401);
    expect(await failedLogin(hub.httpUrl, '', 'X-Forwarded-For: 198.51.100.200\r\n')).toBe(429);
  });
});

describe('shutting down behind a proxy', () => {
  it('ends connections the proxy listeners hold, those still without a header too, at once', async () => {
    // Header timeouts far above what the close may take: a close that waited for them would show.
    const hub = await startHub({ tlsCert: pair.cert, tlsKey: pair.key, httpProxyProtocol: true, tlsProxyProtocol: true, httpLimits: { headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 }, brokerLimits: { connectTimeoutMs: 60_000 } });
    const ca = readFileSync(pair.cert);
    const httpPort = Number(new URL(hub.httpUrl).port);
    const tlsPort = Number(new URL(hub.mqttsUrl ?? '').port);
    const sockets: Socket[] = [];
    for (const [port, oneSegment] of [[httpPort, true], [httpPort, false], [tlsPort, true], [tlsPort, false]] as const) {
      const raw = netConnect(port, '127.0.0.1');
      raw.on('error', () => undefined);
      raw.write(proxyLine('203.0.113.7'));
      if (!oneSegment) await new Promise((resolve) => raw.once('connect', () => setTimeout(resolve, 150)));
      const secure = tlsConnect({ socket: raw, ca, checkServerIdentity: () => undefined });
      secure.on('error', () => undefined);
      await new Promise((resolve) => secure.once('secureConnect', resolve));
      sockets.push(raw);
    }
    for (const port of [httpPort, tlsPort]) {
      const idle = netConnect(port, '127.0.0.1'); // no header yet
      idle.on('error', () => undefined);
      await new Promise((resolve) => idle.once('connect', resolve));
      sockets.push(idle);
    }
    const started = Date.now();
    await hub.close();
    expect(Date.now() - started).toBeLessThan(30_000);
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : new Promise((resolve) => s.once('close', resolve)))));
  });
});

describe('the options', () => {
  it('refuse a --trust-proxy item that is no address, and a PROXY flag for a listener that is off', async () => {
    const bad = await runCli(['start', '--trust-proxy', 'loopback,proxy.local']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--trust-proxy.*'proxy\.local' is not an IP address, a CIDR such as 10\.0\.0\.0\/8, or loopback/);
    const off = await runCli(['start', '--tls-proxy-protocol']);
    expect(off.stderr).toMatch(/--tls-proxy-protocol needs MQTT over TLS/);
  });
});
