/** SIGHUP re-reads the TLS certificate and key: new connections get the new pair, a broken pair is refused in one line. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSigned as makePair } from '../support/certs.js';
import { spawnCli } from '../support/cli.js';
import { stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);

/** The common name of the certificate a new TLS connection to `port` is shown. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(String(socket.getPeerCertificate().subject.CN));
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('SIGHUP', () => {
  it('reloads the TLS certificate for new connections; a pair that does not parse keeps the old one', async () => {
    const dir = tempDir();
    const first = makePair(dir, 'first');
    const second = makePair(dir, 'second');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    copyFileSync(first.cert, cert);
    copyFileSync(first.key, key);

    const child = spawnCli(['start', '--mqtt-port', '0', '--http-port', '0', '--tls-port', '0', '--tls-cert', cert, '--tls-key', key, '--db', join(dir, 'fleetwire.db')]);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const linesWith = (text: string): string[] => stdout.split('\n').filter((l) => l.includes(text));
    try {
      const line = await waitFor(() => linesWith('"listening"')[0], 60_000, 'the listening log line');
      const { mqtts, http } = JSON.parse(line) as { mqtts: string; http: string };
      const tlsPort = Number(new URL(mqtts).port);
      const httpsPort = Number(new URL(http).port);
      expect(await servedName(tlsPort)).toBe('first');
      const early = await mqtt.connectAsync(mqtts, { ca: readFileSync(first.cert), reconnectPeriod: 0 });

      copyFileSync(second.cert, cert);
      copyFileSync(second.key, key);
      child.kill('SIGHUP');
      await waitFor(() => linesWith('TLS certificate reloaded')[0], 30_000, 'the reload log line');
      expect(await servedName(tlsPort)).toBe('second');
      expect(await servedName(httpsPort)).toBe('second');
      // A connection made before the reload is not touched.
      await early.publishAsync('lab/still-here', 'yes', { qos: 1 });

      writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
      child.kill('SIGHUP');
      const refused = await waitFor(() => linesWith('not reloaded')[0], 30_000, 'the refusal log line');
      expect(refused).toMatch(/TLS certificate not reloaded, the old one stays in use: --tls-cert .*cert\.pem with --tls-key .*key\.pem cannot be used/);
      expect(linesWith('not reloaded')).toHaveLength(1);
      expect(await servedName(tlsPort)).toBe('second');
      expect(child.exitCode).toBeNull();
      await early.endAsync();
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
