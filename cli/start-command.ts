/** `fleetwire start`: the broker, the bridge, the HTTP server and an optional demo fleet in one process. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HUB_DEFAULTS, configProblem, type HubConfig } from '../server/config.js';
import { type Fleetwire, createFleetwire } from '../server/create-fleetwire.js';
import { loadMappingRules } from '../bridge/mapping/load-rules.js';
import { MAPPING_RULES_KEY, applyConfigFile, readConfigFile } from './config-file.js';
import { showFleetProgress } from './fleet-progress.js';
import { addLimitOptions, httpLimitsFrom, limitsFrom } from './limit-options.js';
import { LOG_FORMATS, type LogFormat, createLogger } from './logger.js';
import { CLIENT_CERT_MODES } from '../broker/client-certificate.js';
import { FORWARDED_HEADERS } from '../http/trusted-proxies.js';
import { parseCount, parseDuration, parseHostNames, parseList, parseListenPort, parseOrigin, parseTrustProxy } from './parse.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Flags and their environment variables. Commander names the option in every parse error. */
function options(): Option[] {
  const d = HUB_DEFAULTS;
  const group = (heading: string, ...list: Option[]): Option[] => list.map((o) => o.helpGroup(heading));
  return [
    ...group(
      'Listeners:',
      new Option('--config <file>', 'read options from a YAML or JSON file (keys are the long option names)').env('FLEETWIRE_CONFIG'),
      new Option('--host <address>', 'bind address of every listener').env('FLEETWIRE_HOST').default(d.host),
      new Option('--mqtt-port <port>', 'MQTT over TCP (off: none)').env('FLEETWIRE_MQTT_PORT').argParser(parseListenPort).default(d.mqttPort),
      new Option('--http-port <port>', 'HTTP: dashboard, SSE, WebSocket, REST, MQTT over WebSocket at /mqtt (off: none of them)').env('FLEETWIRE_HTTP_PORT').argParser(parseListenPort).default(d.httpPort),
      new Option('--tls-port <port>', 'MQTT over TLS (only with --tls-cert and --tls-key; off: none, HTTPS only)').env('FLEETWIRE_TLS_PORT').argParser(parseListenPort).default(d.tlsPort),
      new Option('--tls-cert <file>', 'PEM certificate: turns on MQTT over TLS and HTTPS').env('FLEETWIRE_TLS_CERT'),
      new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('FLEETWIRE_TLS_KEY'),
      new Option('--mqtt-tls-ca <file>', 'PEM CA bundle that verifies device certificates on MQTT over TLS').env('FLEETWIRE_MQTT_TLS_CA'),
      new Option('--mqtt-client-cert <mode>', 'device login by TLS client certificate (subject CN = user name): optional, or require (no valid certificate, no handshake)').env('FLEETWIRE_MQTT_CLIENT_CERT').choices(CLIENT_CERT_MODES).default(d.mqttClientCert),
      new Option('--mqtt-proxy-protocol', 'MQTT over TCP is behind a load balancer sending a PROXY protocol v1/v2 header; logs and limits use the address in it (env FLEETWIRE_MQTT_PROXY_PROTOCOL=1)').default(false),
      new Option('--tls-proxy-protocol', 'the same for MQTT over TLS: the header comes before the handshake (env FLEETWIRE_TLS_PROXY_PROTOCOL=1)').default(false),
      new Option('--http-proxy-protocol', 'the same for the HTTP(S) port, WebSocket upgrades included (env FLEETWIRE_HTTP_PROXY_PROTOCOL=1)').default(false),
      new Option('--trust-proxy <list>', 'comma-separated addresses, CIDRs or loopback: reverse proxies whose --forwarded-header names the HTTP client').env('FLEETWIRE_TRUST_PROXY').argParser(parseTrustProxy).default([]),
      new Option('--forwarded-header <name>', 'the header a trusted proxy names the client in').env('FLEETWIRE_FORWARDED_HEADER').choices(FORWARDED_HEADERS).default(d.forwardedHeader),
    ),
    ...group(
      'Access:',
      new Option('--users-file <file>', 'users and roles (see `fleetwire users`); without it only loopback is allowed').env('FLEETWIRE_USERS_FILE'),
      // Not .env(): commander turns a boolean on whenever the variable exists, even as "0".
      new Option('--allow-anonymous', 'let anyone in without a login, even off loopback (dangerous; env FLEETWIRE_ALLOW_ANONYMOUS=1)').default(false),
      new Option('--allow-origin <origins>', 'comma-separated origins also allowed to use the browser endpoints').env('FLEETWIRE_ALLOW_ORIGIN').argParser(parseOrigin).default([]),
      new Option('--allow-host <names>', 'comma-separated host names a hub without --users-file answers to, besides localhost and IP addresses').env('FLEETWIRE_ALLOW_HOST').argParser(parseHostNames).default([]),
      new Option('--webhook-allow-private', 'let alert webhooks reach loopback and private addresses although the hub listens beyond loopback (env FLEETWIRE_WEBHOOK_ALLOW_PRIVATE=1)').default(false),
    ),
    ...group(
      'Storage and commands:',
      new Option('--db <file>', 'SQLite file for history and broker state').env('FLEETWIRE_DB').default(d.dbFile),
      new Option('--retention <duration>', 'how long raw readings are kept (0: forever); minute rollups stay 90 days, hour rollups forever').env('FLEETWIRE_RETENTION').argParser(parseDuration).default(d.retentionRawMs, '7d'),
      new Option('--command-timeout <duration>', 'how long a command may stay pending').env('FLEETWIRE_COMMAND_TIMEOUT').argParser(parseDuration).default(d.commandTimeoutMs, '10s'),
      new Option('--map <list>', 'map foreign firmware to devices: presets (tasmota, shelly-gen2, zigbee2mqtt, esphome) and rule files, comma-separated').env('FLEETWIRE_MAP').argParser(parseList).default([]),
      new Option('--ha-inbound <on|off>', 'devices announcing themselves by Home Assistant MQTT discovery appear as devices').env('FLEETWIRE_HA_INBOUND').choices(['on', 'off']).default('on'),
      new Option('--ha-discovery', 'publish the devices to Home Assistant (MQTT discovery) and obey its light commands (env FLEETWIRE_HA_DISCOVERY=1)').default(false),
      new Option('--redis <url>', 'join a cluster: share broker state and message order through this Redis (redis:// or rediss://)').env('FLEETWIRE_REDIS').argParser(parseRedisUrl),
    ),
    ...group(
      'Demo fleet:',
      new Option('--fleet <count>', 'simulated demo devices to run inside the hub').env('FLEETWIRE_FLEET').argParser(parseCount).default(d.fleet),
      new Option('--fleet-seed <n>', 'seed of the demo fleet (same seed, same readings)').env('FLEETWIRE_FLEET_SEED').argParser(parseCount).default(d.fleetSeed),
      new Option('--fleet-interval <duration>', 'time between a demo device\'s readings').env('FLEETWIRE_FLEET_INTERVAL').argParser(parseDuration).default(d.fleetIntervalMs, '1s'),
      new Option('--fleet-credentials <file>', 'JSON file of demo device id → password, when a users file is in force').env('FLEETWIRE_FLEET_CREDENTIALS'),
    ),
    ...group(
      'Logs:',
      new Option('--log-level <level>', 'log level').env('FLEETWIRE_LOG_LEVEL').choices(LOG_LEVELS).default(d.logLevel),
      new Option('--log-format <format>', 'pretty at a terminal and JSON lines otherwise (auto), or always one of them').env('FLEETWIRE_LOG_FORMAT').choices(LOG_FORMATS).default('auto'),
    ),
  ];
}

const EXAMPLES = `
Every option can also be set by its environment variable (shown above) or in a --config file
under its long name; a flag wins over the environment, the environment over the file.

Examples:
  $ fleetwire start --fleet 12                          a hub with a 12-device demo fleet on loopback
  $ fleetwire start --config /etc/fleetwire/fleetwire.yaml
  $ fleetwire start --host 0.0.0.0 --users-file users.json --tls-cert cert.pem --tls-key key.pem
  $ FLEETWIRE_MQTT_PORT=1884 fleetwire start --db /var/lib/fleetwire/fleetwire.db
  $ fleetwire config check --config fleetwire.yaml      what start would use, and where each value came from`;

interface StartFlags {
  config?: string;
  host: string;
  mqttPort: number | 'off';
  httpPort: number | 'off';
  tlsPort: number | 'off';
  tlsCert?: string;
  tlsKey?: string;
  mqttTlsCa?: string;
  mqttClientCert: HubConfig['mqttClientCert'];
  mqttProxyProtocol: boolean;
  tlsProxyProtocol: boolean;
  httpProxyProtocol: boolean;
  trustProxy: string[];
  forwardedHeader: HubConfig['forwardedHeader'];
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
  webhookAllowPrivate: boolean;
  map: string[];
  haInbound: 'on' | 'off';
  haDiscovery: boolean;
  redis?: string;
  logLevel: HubConfig['logLevel'];
  logFormat: LogFormat;
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
function envSwitch(name: string, value: string): boolean {
  if (/^(0|false|no|)$/i.test(value)) return false;
  if (/^(1|true|yes)$/i.test(value)) return true;
  throw new InvalidArgumentError(`${name} must be 1/true/yes or 0/false/no, not '${value}'.`);
}

const listenPort = (port: number | 'off'): number | null => (port === 'off' ? null : port);

export function toConfig(f: StartFlags): HubConfig {
  return {
    host: f.host,
    mqttPort: listenPort(f.mqttPort),
    httpPort: listenPort(f.httpPort),
    tlsPort: listenPort(f.tlsPort),
    tlsCert: f.tlsCert ?? null,
    tlsKey: f.tlsKey ?? null,
    mqttTlsCa: f.mqttTlsCa ?? null,
    mqttClientCert: f.mqttClientCert,
    mqttProxyProtocol: f.mqttProxyProtocol,
    tlsProxyProtocol: f.tlsProxyProtocol,
    httpProxyProtocol: f.httpProxyProtocol,
    trustProxy: f.trustProxy,
    forwardedHeader: f.forwardedHeader,
    dbFile: f.db,
    usersFile: f.usersFile ?? null,
    allowAnonymous: f.allowAnonymous,
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
    webhookAllowPrivate: f.webhookAllowPrivate,
    map: f.map,
    mapRules: null,
    haInbound: f.haInbound === 'on',
    haDiscovery: f.haDiscovery,
    redis: f.redis ?? null,
    logLevel: f.logLevel,
  };
}

/** Adds every option of `start` (also used by `config check`, which must read them the same way). */
export function addStartOptions(cmd: Command): Command {
  for (const option of options()) cmd.addOption(option);
  addLimitOptions(cmd);
  return cmd;
}

/**
 * The configuration `start` runs with: flags and environment variables (parsed by commander), then
 * the config file where neither gave a value. Throws one line naming the option, variable or key.
 * `given`, when passed, receives the text of every value taken from the file.
 */
export function resolveStartConfig(cmd: Command, env: NodeJS.ProcessEnv, given?: Map<string, string>): HubConfig {
  // Switches read their variable here, not through commander (see options()).
  for (const option of cmd.options.filter((o) => o.isBoolean() && o.long !== '--help')) {
    const name = option.attributeName();
    const variable = `FLEETWIRE_${(option.long ?? '').slice(2).replace(/-/g, '_').toUpperCase()}`;
    const value = env[variable];
    if (value !== undefined && cmd.getOptionValueSource(name) !== 'cli') cmd.setOptionValueWithSource(name, envSwitch(variable, value), 'env');
  }
  const file = cmd.getOptionValue('config') as string | undefined;
  if (file !== undefined) for (const [name, text] of applyConfigFile(cmd, file)) given?.set(name, text);
  const config = toConfig(cmd.opts<StartFlags>());
  const inline = file === undefined ? undefined : readConfigFile(file)[MAPPING_RULES_KEY];
  if (file !== undefined && inline !== undefined) config.mapRules = { where: `${file}: ${MAPPING_RULES_KEY}`, rules: inline };
  const problem = configProblem(config);
  if (problem) throw new Error(problem);
  // Rules are checked here too, so `config check` finds what `start` would refuse.
  loadMappingRules(config.map, config.mapRules);
  return config;
}

export function startCommand(): Command {
  // Typed explicitly so that cmd.error(), which never returns, narrows the flow below.
  const cmd: Command = new Command('start').description('run the hub: MQTT broker, browser bridge, dashboard and an optional demo fleet');
  addStartOptions(cmd).addHelpText('after', EXAMPLES);
  return cmd.action(async () => {
    let config: HubConfig;
    try {
      config = resolveStartConfig(cmd, process.env);
    } catch (err) {
      cmd.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    }
    let hub: Fleetwire;
    try {
      hub = await createFleetwire(config, { logger: await createLogger(config.logLevel, cmd.opts<StartFlags>().logFormat, process.stdout) });
    } catch (err) {
      cmd.error(`error: ${(err as Error).message}`, { exitCode: 1 });
    }
    for (const line of hub.describe()) process.stderr.write(`${line}\n`);
    if (hub.fleet) {
      const started = Date.now();
      showFleetProgress(hub.fleet, config.fleet, process.stderr);
      hub.fleet.ready().then(
        () => process.stderr.write(`fleet: all ${config.fleet} demo devices online in ${((Date.now() - started) / 1000).toFixed(1)} s\n`),
        (err: unknown) => process.stderr.write(`fleet: ${(err as Error).message}\n`),
      );
    }
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
    // The usual signal for "read your files again" (Mosquitto, nginx): the hub keeps running either way.
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
