/**
 * `fleetwire healthcheck`: exits 0 when the hub on this machine answers /healthz, 1 otherwise.
 * For a container's HEALTHCHECK or a service manager: no curl needed, and the port and TLS come
 * from the same variables as the hub's (FLEETWIRE_HTTP_PORT, FLEETWIRE_TLS_CERT), so they agree.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { Command, Option } from 'commander';
import { HUB_DEFAULTS } from '../server/config.js';
import { parseDuration, parsePort } from './parse.js';

interface HealthFlags {
  httpPort: number;
  tlsCert?: string;
  timeout: number;
}

/** The status /healthz answers with. Over HTTPS the certificate is not checked: this asks loopback whether the hub lives, not who it is. */
function status(url: string, https: boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (https ? httpsGet : httpGet)(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export function healthcheckCommand(): Command {
  const cmd: Command = new Command('healthcheck')
    .description("exit 0 when the hub's /healthz answers 200 on loopback, 1 otherwise")
    .addOption(new Option('--http-port <port>', 'the HTTP port of the hub').env('FLEETWIRE_HTTP_PORT').argParser(parsePort).default(HUB_DEFAULTS.httpPort))
    .addOption(new Option('--tls-cert <file>', 'set when the hub serves HTTPS').env('FLEETWIRE_TLS_CERT'))
    .addOption(new Option('--timeout <duration>', 'how long to wait for the answer').argParser(parseDuration).default(5000, '5s'));
  return cmd.action(async (flags: HealthFlags) => {
    const https = flags.tlsCert !== undefined;
    const url = `${https ? 'https' : 'http'}://127.0.0.1:${flags.httpPort}/healthz`;
    try {
      const code = await status(url, https, flags.timeout);
      if (code === 200) return;
      process.stderr.write(`unhealthy: ${url} answered ${code}\n`);
    } catch (err) {
      process.stderr.write(`unhealthy: ${url}: ${(err as Error).message}\n`);
    }
    process.exitCode = 1;
  });
}
