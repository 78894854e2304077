/** `fleetwire start`: the broker, the bridge, the HTTP server and an optional demo fleet in one process. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HUB_DEFAULTS, configProblem, type HubConfig } from '../server/config.js';
import { type Fleetwire, createFleetwire } from '../server/create-fleetwire.js';
import { addLimitOptions, httpLimitsFrom, limitsFrom } from './limit-options.js';
import { parseCount, parseDuration, parseHostNames, parseOrigin, parsePort } from './parse.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Flags and their environment variables. Commander names the option in every parse error. */
function options(): Option[] {
  const d = HUB_DEFAULTS;
  return [
    new Option('--host <address>', 'bind address of every listener').env('FLEETWIRE_HOST').default(d.host),
    new Option('--mqtt-port <port>', 'MQTT over TCP').env('FLEETWIRE_MQTT_PORT').argParser(parsePort).default(d.mqttPort),
    new Option('--http-port <port>', 'HTTP: dashboard, SSE, WebSocket, REST, MQTT over WebSocket at /mqtt').env('FLEETWIRE_HTTP_PORT').argParser(parsePort).default(d.httpPort),
    new Option('--tls-port <port>', 'MQTT over TLS (only with --tls-cert and --tls-key)').env('FLEETWIRE_TLS_PORT').argParser(parsePort).default(d.tlsPort),
    new Option('--tls-cert <file>', 'PEM certificate: turns on MQTT over TLS and HTTPS').env('FLEETWIRE_TLS_CERT'),
    new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('FLEETWIRE_TLS_KEY'),
    new Option('--db <file>', 'SQLite file for history and broker state').env('FLEETWIRE_DB').default(d.dbFile),
    new Option('--users-file <file>', 'users and roles (see `fleetwire users`); without it only loopback is allowed').env('FLEETWIRE_USERS_FILE'),
    // Not .env(): commander turns a boolean on whenever the variable exists, even as "0".
    new Option('--allow-anonymous', 'let anyone in without a login, even off loopback (dangerous; env FLEETWIRE_ALLOW_ANONYMOUS=1)').default(false),
    new Option('--allow-origin <origins>', 'comma-separated origins also allowed to use the browser endpoints').env('FLEETWIRE_ALLOW_ORIGIN').argParser(parseOrigin).default([]),
    new Option('--allow-host <names>', 'comma-separated host names a hub without --users-file answers to, besides localhost and IP addresses').env('FLEETWIRE_ALLOW_HOST').argParser(parseHostNames).default([]),
    new Option('--fleet <count>', 'simulated demo devices to run inside the hub').env('FLEETWIRE_FLEET').argParser(parseCount).default(d.fleet),
    new Option('--fleet-seed <n>', 'seed of the demo fleet (same seed, same readings)').env('FLEETWIRE_FLEET_SEED').argParser(parseCount).default(d.fleetSeed),
    new Option('--fleet-interval <duration>', 'time between a demo device\'s readings').env('FLEETWIRE_FLEET_INTERVAL').argParser(parseDuration).default(d.fleetIntervalMs, '1s'),
    new Option('--fleet-credentials <file>', 'JSON file of demo device id → password, when a users file is in force').env('FLEETWIRE_FLEET_CREDENTIALS'),
    new Option('--command-timeout <duration>', 'how long a command may stay pending').env('FLEETWIRE_COMMAND_TIMEOUT').argParser(parseDuration).default(d.commandTimeoutMs, '10s'),
    new Option('--retention <duration>', 'how long raw readings are kept (0: forever); minute rollups stay 90 days, hour rollups forever').env('FLEETWIRE_RETENTION').argParser(parseDuration).default(d.retentionRawMs, '7d'),
    new Option('--redis <url>', 'join a cluster: share broker state and message order through this Redis (redis:// or rediss://)').env('FLEETWIRE_REDIS').argParser(parseRedisUrl),
    new Option('--log-level <level>', 'log level').env('FLEETWIRE_LOG_LEVEL').choices(LOG_LEVELS).default(d.logLevel),
  ];
}

interface StartFlags {
  host: string;
  mqttPort: number;
  httpPort: number;
  tlsPort: number;
  tlsCert?: string;
  tlsKey?: string;
  db: string;
  usersFile?: string;
  allowAnonymous: boolean;
  allowOrigin: string[];
  allowHost: string[];
  fleet: number;
  fleetSeed: number;
  fleetInterval: number;
  fleetCredentials?: string;
  commandTimeout: number;
  retention: number;
  redis?: string;
  logLevel: HubConfig['logLevel'];
}

/** A Redis URL with a host; commander prefixes the option's name to the message. */
function parseRedisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL: give a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379.`);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new InvalidArgumentError(`'${value}' must be a redis:// or rediss:// URL with a host.`);
  }
  return value;
}

/** Reads a yes/no environment variable; anything but a clear yes or no is an error. */
function envSwitch(name: string, env: NodeJS.ProcessEnv): boolean {
  const value = env[name];
  if (value === undefined || /^(0|false|no|)$/i.test(value)) return false;
  if (/^(1|true|yes)$/i.test(value)) return true;
  throw new InvalidArgumentError(`${name} must be 1/true/yes or 0/false/no, not '${value}'.`);
}

export function toConfig(f: StartFlags, env: NodeJS.ProcessEnv): HubConfig {
  return {
    host: f.host,
    mqttPort: f.mqttPort,
    httpPort: f.httpPort,
    tlsPort: f.tlsPort,
    tlsCert: f.tlsCert ?? null,
    tlsKey: f.tlsKey ?? null,
    dbFile: f.db,
    usersFile: f.usersFile ?? null,
    allowAnonymous: f.allowAnonymous || envSwitch('FLEETWIRE_ALLOW_ANONYMOUS', env),
    allowOrigins: f.allowOrigin,
    allowHosts: f.allowHost,
    httpLimits: httpLimitsFrom(f as unknown as Record<string, unknown>),
    fleet: f.fleet,
    fleetSeed: f.fleetSeed,
    fleetIntervalMs: f.fleetInterval,
    fleetCredentials: f.fleetCredentials ?? null,
    brokerLimits: limitsFrom(f as unknown as Record<string, unknown>),
    commandTimeoutMs: f.commandTimeout,
    retentionRawMs: f.retention,
    redis: f.redis ?? null,
    logLevel: f.logLevel,
  };
}

export function startCommand(): Command {
  // Typed explicitly so that cmd.error(), which never returns, narrows the flow below.
  const cmd: Command = new Command('start').description('run the hub: MQTT broker, browser bridge, dashboard and an optional demo fleet');
  for (const option of options()) cmd.addOption(option);
  addLimitOptions(cmd);
  return cmd.action(async (flags: StartFlags) => {
    let config: HubConfig;
    try {
      config = toConfig(flags, process.env);
    } catch (err) {
      cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    }
    const problem = configProblem(config);
    if (problem) cmd.error(`error: ${problem}`, { exitCode: 2 });
    let hub: Fleetwire;
    try {
      hub = await createFleetwire(config);
    } catch (err) {
      cmd.error(`error: ${(err as Error).message}`, { exitCode: 1 });
    }
    for (const line of hub.describe()) process.stderr.write(`${line}\n`);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) process.exit(1); // a second Ctrl-C does not wait
      stopping = true;
      process.stderr.write(`\n${signal}: stopping fleetwire…\n`);
      hub.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGHUP', () => {
      hub.reload().then(
        () => process.stderr.write('SIGHUP: reloaded\n'),
        (err: unknown) => process.stderr.write(`SIGHUP: not reloaded: ${(err as Error).message}\n`),
      );
    });
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
