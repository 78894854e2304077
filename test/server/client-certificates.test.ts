/** The hub with device certificates on MQTT over TLS: the options, and the CA re-read by reload() (what SIGHUP calls). */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { addUsers } from '../../auth/index.js';
import { runCli } from '../support/cli.js';
import { clientCert, selfSigned } from '../support/certs.js';
import { startHub, stopAll, tempDir } from '../support/hub.js';

afterAll(stopAll);
vi.setConfig({ testTimeout: 60_000 });

/** Resolves true once connected (then closes), false when the connection is refused at any stage. */
async function connects(url: string, opts: IClientOptions): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...opts }, false);
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

describe('device certificates on the hub', () => {
  it('a reload swaps the CA: certificates of the new one get in, of the old one no longer', async () => {
    const dir = tempDir();
    const server = selfSigned(dir, 'hub');
    const first = selfSigned(dir, 'first-ca', true);
    const second = selfSigned(dir, 'second-ca', true);
    const byFirst = clientCert(dir, first, 'thermo-1');
    const bySecond = clientCert(tempDir(), second, 'thermo-1');
    const usersFile = join(dir, 'users.json');
    await addUsers(usersFile, [{ name: 'thermo-1', role: 'device', password: 'unused-here' }]);
    const caFile = join(dir, 'ca.pem');
    copyFileSync(first.cert, caFile);
    const hub = await startHub({ usersFile, tlsCert: server.cert, tlsKey: server.key, mqttTlsCa: caFile, mqttClientCert: 'require' });
    const url = hub.mqttsUrl ?? '';
    const as = (files: { cert: string; key: string }): IClientOptions => ({ ca: readFileSync(server.cert), cert: readFileSync(files.cert), key: readFileSync(files.key), clientId: 'thermo-1' });
    expect(await connects(url, as(byFirst))).toBe(true);
    expect(await connects(url, as(bySecond))).toBe(false);
    expect(hub.describe()).toContain(`  MQTT over TLS   ${url}  (client certificates: require)`);

    copyFileSync(second.cert, caFile);
    await hub.reload();
    expect(await connects(url, as(bySecond))).toBe(true);
    expect(await connects(url, as(byFirst))).toBe(false);

    // A CA file that holds no certificate is refused; the CA loaded before stays.
    writeFileSync(caFile, 'not a certificate\n');
    await hub.reload();
    expect(await connects(url, as(bySecond))).toBe(true);
  });

  it('start refuses client certificates without a CA, TLS or a users file, and a CA without them', async () => {
    const run = await runCli(['start', '--mqtt-client-cert', 'require']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--mqtt-client-cert require needs MQTT over TLS .*--mqtt-tls-ca .*--users-file/);
    const unused = await runCli(['start', '--mqtt-tls-ca', 'ca.pem']);
    expect(unused.stderr).toMatch(/--mqtt-tls-ca is used only with --mqtt-client-cert optional or require/);
    const bad = await runCli(['start', '--mqtt-client-cert', 'maybe']);
    expect(bad.stderr).toMatch(/--mqtt-client-cert.*'maybe'.*optional, require/);
  });
});
