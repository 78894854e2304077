/**
 * Device logins by TLS client certificate: real certificates made with openssl, the real MQTT.js
 * client over TLS, on 3.1.1 and 5. The certificate's subject CN is the user; the users file
 * gives the role and topics.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UserStore } from '../../auth/index.js';
import { type ClientCertMode } from '../../broker/client-certificate.js';
import { type PemFiles, clientCert, selfSigned } from '../support/certs.js';
import { TempDirs } from '../support/temp-dirs.js';
import { type TestBroker, cleanup, connectClient, makeUsers, metric, passwordOf, refusedCode, startBroker, until, warnings } from './support/harness.js';

afterEach(cleanup);
const temp = new TempDirs();
afterAll(() => temp.remove());

let server: PemFiles;
let ca: PemFiles;
let otherCa: PemFiles;
/** Client certificates: signed by `ca` for thermo-1, vera and ghost (no such user); by `otherCa` for thermo-1. */
let certs: Record<'thermo' | 'vera' | 'ghost' | 'foreign', { cert: Buffer; key: Buffer }>;
let users: UserStore;

beforeAll(async () => {
  const dir = temp.make('fleetwire-client-certs-');
  server = selfSigned(dir, 'hub');
  ca = selfSigned(dir, 'device-ca', true);
  otherCa = selfSigned(dir, 'other-ca', true);
  const load = (files: PemFiles): { cert: Buffer; key: Buffer } => ({ cert: readFileSync(files.cert), key: readFileSync(files.key) });
  certs = {
    thermo: load(clientCert(dir, ca, 'thermo-1')),
    vera: load(clientCert(dir, ca, 'vera')),
    ghost: load(clientCert(dir, ca, 'ghost')),
    foreign: load(clientCert(temp.make('fleetwire-foreign-'), otherCa, 'thermo-1')),
  };
  users = await makeUsers([['thermo-1', 'device'], ['vera', 'viewer']]);
});

async function tlsBroker(mode: ClientCertMode): Promise<{ tb: TestBroker; url: string }> {
  const tb = await startBroker({ users, tls: { port: 0, cert: readFileSync(server.cert), key: readFileSync(server.key), ca: readFileSync(ca.cert), clientCert: mode } });
  return { tb, url: `mqtts://127.0.0.1:${tb.broker.tlsAddress?.port}` };
}

/** Trusts the hub's certificate; `who` adds a client certificate. */
const tlsOptions = (who?: { cert: Buffer; key: Buffer }, more: IClientOptions = {}): IClientOptions => ({ ca: readFileSync(server.cert), rejectUnauthorized: true, ...who, ...more });

describe('client certificates, require', () => {
  it.each([4, 5] as const)('a device with a valid certificate is its CN, without a password, on protocol %i', async (protocolVersion) => {
    const { url } = await tlsBroker('require');
    const device = await connectClient(url, tlsOptions(certs.thermo, { clientId: 'thermo-1', protocolVersion }));
    await device.publishAsync('devices/thermo-1/telemetry/temperature', '21.5', { qos: 1 });
  });

  it('refuses, at the handshake, a client without a certificate or with one from another CA', async () => {
    const { tb, url } = await tlsBroker('require');
    for (const who of [undefined, certs.foreign]) {
      await expect(connectClient(url, tlsOptions(who, { clientId: 'thermo-1', username: 'thermo-1', password: passwordOf('thermo-1') }))).rejects.toThrow();
    }
    await until('both handshakes are counted', async () => (await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'tls_handshake' })) === 2);
  });

  it.each([
    [4, 4, 5],
    [5, 0x86, 0x87],
  ] as const)('protocol %i: a user name that is not the CN gets %i, a CN that is no user %i', async (protocolVersion, badName, noUser) => {
    const { tb, url } = await tlsBroker('require');
    expect(await refusedCode(url, tlsOptions(certs.thermo, { clientId: 'thermo-1', username: 'vera', password: passwordOf('vera'), protocolVersion }))).toBe(badName);
    expect(await refusedCode(url, tlsOptions(certs.ghost, { clientId: 'ghost', protocolVersion }))).toBe(noUser);
    expect(warnings(tb, 'connection refused').map((l) => l.msg)).toEqual([
      "connection refused: user name 'vera' is not 'thermo-1', whom the client certificate names",
      "connection refused: the client certificate names 'ghost', who is not in the users file",
    ]);
  });

  it('the users file still rules: a certificate user keeps its role (a viewer subscribes, a device id is still its own)', async () => {
    const { tb, url } = await tlsBroker('require');
    const viewer = await connectClient(url, tlsOptions(certs.vera, { clientId: 'vera-dashboard' }));
    await viewer.subscribeAsync('devices/+/telemetry/#');
    expect(await refusedCode(url, tlsOptions(certs.thermo, { clientId: 'not-thermo' }))).toBe(2);
    // A device may not publish as another device: on 3.1.1 the broker disconnects it.
    const device = await connectClient(url, tlsOptions(certs.thermo, { clientId: 'thermo-1' }));
    const dropped = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('devices/power-1/telemetry/power', '1', { qos: 1 });
    await dropped;
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'publish_forbidden' })).toBe(1);
  });
});

describe('client certificates, optional', () => {
  it('a client without a certificate logs in with a password; one without either is refused', async () => {
    const { url } = await tlsBroker('optional');
    const withPassword = await connectClient(url, tlsOptions(undefined, { clientId: 'thermo-1', username: 'thermo-1', password: passwordOf('thermo-1') }));
    await withPassword.publishAsync('devices/thermo-1/telemetry/temperature', '20', { qos: 1 });
    expect(await refusedCode(url, tlsOptions(undefined, { clientId: 'anon' }))).toBe(5);
    const withCert = await connectClient(url, tlsOptions(certs.vera, { clientId: 'vera-1' }));
    await withCert.subscribeAsync('devices/#');
  });

  it('closes a connection whose certificate does not verify, instead of taking it for an anonymous client', async () => {
    const { tb, url } = await tlsBroker('optional');
    await expect(connectClient(url, tlsOptions(certs.foreign, { clientId: 'thermo-1', username: 'thermo-1', password: passwordOf('thermo-1'), connectTimeout: 5000 }))).rejects.toThrow();
    await until('the refusal is counted', async () => (await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'client_cert' })) === 1);
    expect(warnings(tb, 'bad client certificate')[0]?.err).toMatch(/client certificate not accepted: /);
  });

  it('off: a certificate is not asked for, and a password login is needed', async () => {
    const { url } = await tlsBroker('off');
    expect(await refusedCode(url, tlsOptions(certs.thermo, { clientId: 'thermo-1' }))).toBe(5);
  });
});
