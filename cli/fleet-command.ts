/**
 * `fleetwire fleet`: runs simulated devices against any MQTT broker (fleetwire or another),
 * optionally with faults from the start and an HTTP control endpoint to switch them at run time.
 *
 * Credentials: with a users file in force, give `--credentials devices.json`, a JSON object
 * of device id → password (`{"thermo-1":"s3cret",…}`); each device logs in with its id as the
 * user name and its password. Devices without an entry connect without a login.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { sendError } from '../http/respond.js';
import { Router } from '../http/router.js';
import {
  DEFAULT_MIX,
  FAULT_SPEC_HELP,
  FLEET_DEFAULTS,
  type Fleet,
  type FaultSpecText,
  MAX_DEVICES,
  createFleet,
  parseFaultSpec,
  parseMix,
  parsePasswords,
  passwordCredentials,
} from '../devices/index.js';
import { showFleetProgress } from './fleet-progress.js';
import { LOG_FORMATS, type LogFormat, createLogger } from './logger.js';
import { parseCount, parseDuration, parsePort } from './parse.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface FleetFlags {
  count: number;
  broker: string;
  mix: ReturnType<typeof parseMix>;
  interval: number;
  seed: number;
  idPrefix: string;
  firmwareDuration: number;
  connectConcurrency: number;
  fault: FaultSpecText[];
  credentials?: string;
  controlPort?: number;
  haDiscovery: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: LogFormat;
}

const wholeNumber = (min: number, max: number) => (value: string): number => {
  const n = parseCount(value);
  if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
  return n;
};

const atLeast = (minMs: number) => (value: string): number => {
  const ms = parseDuration(value);
  if (ms < minMs) throw new InvalidArgumentError(`must be at least ${minMs}ms.`);
  return ms;
};

function brokerUrl(value: string): string {
  try {
    new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a URL such as mqtt://127.0.0.1:1883 (also mqtts://, ws://, wss://).');
  }
  return value;
}

function mix(value: string): ReturnType<typeof parseMix> {
  try {
    return parseMix(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}.`);
  }
}

/** Repeatable; the environment variable holds several specs separated by spaces. */
function faults(value: string, previous: FaultSpecText[] = []): FaultSpecText[] {
  const specs = value.split(/\s+/).filter((s) => s.length > 0);
  return [
    ...previous,
    ...specs.map((text) => {
      const spec = parseFaultSpec(text);
      if (!spec.ok) throw new InvalidArgumentError(`${spec.error}.`);
      return spec.value;
    }),
  ];
}

function options(): Option[] {
  const d = FLEET_DEFAULTS;
  const defaultMix = Object.entries(DEFAULT_MIX).map(([m, w]) => `${m}:${w}`).join(',');
  return [
    new Option('--count <n>', 'number of devices').env('FLEETWIRE_FLEET_COUNT').argParser(wholeNumber(1, MAX_DEVICES)).default(10),
    new Option('--broker <url>', 'MQTT broker to connect to').env('FLEETWIRE_FLEET_BROKER').argParser(brokerUrl).default('mqtt://127.0.0.1:1883'),
    new Option('--mix <models>', 'model weights, e.g. thermo:40,power:30,led:10,hub:10,edge:10').env('FLEETWIRE_FLEET_MIX').argParser(mix).default(DEFAULT_MIX, defaultMix),
    new Option('--interval <duration>', "time between a device's readings").env('FLEETWIRE_FLEET_INTERVAL').argParser(atLeast(10)).default(d.intervalMs, '1s'),
    new Option('--seed <n>', 'same seed, same readings and events').env('FLEETWIRE_FLEET_SEED').argParser(wholeNumber(0, 2 ** 32 - 1)).default(d.seed),
    new Option('--id-prefix <prefix>', 'prefix of device ids (ids are <prefix><model>-<n>)').env('FLEETWIRE_FLEET_ID_PREFIX').default(d.idPrefix),
    new Option('--firmware-duration <duration>', 'how long a firmware job takes').env('FLEETWIRE_FLEET_FIRMWARE_DURATION').argParser(parseDuration).default(d.firmwareDurationMs, '10s'),
    new Option('--connect-concurrency <n>', 'devices connecting at once').env('FLEETWIRE_FLEET_CONNECT_CONCURRENCY').argParser(wholeNumber(1, 10_000)).default(d.connectConcurrency),
    new Option('--fault <spec>', `start with a fault on (repeatable): ${FAULT_SPEC_HELP}`).env('FLEETWIRE_FLEET_FAULTS').argParser(faults).default([], 'none'),
    new Option('--credentials <file>', 'JSON file of device id → password; each device logs in as its id').env('FLEETWIRE_FLEET_CREDENTIALS'),
    new Option('--control-port <port>', 'serve the fault control API on 127.0.0.1:<port> (0 picks a free one)').env('FLEETWIRE_FLEET_CONTROL_PORT').argParser(parsePort),
    new Option('--ha-discovery', 'each device announces itself to Home Assistant (MQTT discovery) and obeys its light commands').default(false),
    new Option('--log-level <level>', 'log level').env('FLEETWIRE_FLEET_LOG_LEVEL').choices(LOG_LEVELS).default('info'),
    new Option('--log-format <format>', 'pretty at a terminal and JSON lines otherwise (auto), or always one of them').env('FLEETWIRE_FLEET_LOG_FORMAT').choices(LOG_FORMATS).default('auto'),
  ];
}

function readPasswords(file: string): Record<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--credentials ${file}: ${(err as Error).message}`);
  }
  const parsed = parsePasswords(data);
  if (!parsed.ok) throw new Error(`--credentials ${file}: ${parsed.error}`);
  return parsed.value;
}

/** Serves the fleet's control routes on 127.0.0.1:`port` (0: a free one); resolves once listening. */
export function serveControl(fleet: Fleet, port: number): Promise<Server> {
  const router = new Router().add(...fleet.routes());
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === null) return sendError(res, 'not_found', `no route ${url.pathname}`);
    if (match === 'method') return sendError(res, 'bad_request', `${req.method} is not allowed on ${url.pathname}`);
    Promise.resolve(match.handler(req, res, match.params, url)).catch((err: unknown) => sendError(res, 'bad_request', (err as Error).message));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export function fleetCommand(): Command {
  const cmd: Command = new Command('fleet').description('run simulated devices against an MQTT broker, with faults on demand');
  for (const option of options()) cmd.addOption(option);
  return cmd.action(async (flags: FleetFlags) => {
    const say = (line: string): boolean => process.stderr.write(`${line}\n`);
    const logger = await createLogger(flags.logLevel, flags.logFormat, process.stderr);
    let fleet: Fleet;
    let server: Server | null = null;
    try {
      const passwords = flags.credentials === undefined ? null : readPasswords(flags.credentials);
      fleet = await createFleet({
        broker: flags.broker,
        count: flags.count,
        mix: flags.mix,
        intervalMs: flags.interval,
        seed: flags.seed,
        idPrefix: flags.idPrefix,
        firmwareDurationMs: flags.firmwareDuration,
        connectConcurrency: flags.connectConcurrency,
        haDiscovery: flags.haDiscovery,
        ...(passwords ? { credentials: passwordCredentials(passwords) } : {}),
        logger,
      });
    } catch (err) {
      cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    }
    const stop = async (code: number): Promise<never> => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await fleet.close();
      process.exit(code);
    };
    for (const f of flags.fault) {
      const applied = fleet.faults.apply(f.name, f.target, f.params);
      if (!applied.ok) {
        say(`error: option '--fault ${f.name}:${f.target}': ${applied.error}`);
        await stop(2);
      }
    }
    if (flags.controlPort !== undefined) {
      try {
        server = await serveControl(fleet, flags.controlPort);
      } catch (err) {
        say(`error: option '--control-port': ${(err as Error).message}`);
        await stop(2);
      }
      say(`control: http://127.0.0.1:${(server?.address() as AddressInfo).port}/api/fleet`);
    }
    say(`fleet: ${flags.count} devices connecting to ${flags.broker} (seed ${flags.seed})`);
    const stopProgress = showFleetProgress(fleet, flags.count, process.stderr);
    let stopping = false;
    const onSignal = (signal: string): void => {
      if (stopping) process.exit(1); // a second Ctrl-C does not wait
      stopping = true;
      stopProgress();
      say(`${signal}: disconnecting ${flags.count} devices…`);
      void stop(0);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const started = Date.now();
    fleet.ready().then(
      () => say(`fleet: all ${flags.count} devices online in ${((Date.now() - started) / 1000).toFixed(1)} s`),
      (err: unknown) => {
        if (stopping) return;
        say(`error: ${(err as Error).message}`);
        void stop(1);
      },
    );
  });
}
