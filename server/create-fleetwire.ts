/**
 * Builds the whole hub from its parts and returns a handle with `close()`. The data flows one
 * way (STYLE.md): devices --MQTT--> broker --onPublish--> bridge ingest --> history and browsers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { type UserStore, loadUsers } from '../auth/index.js';
import { type Broker, createBroker } from '../broker/index.js';
import { type Bridge, createBridge } from '../bridge/index.js';
import { loadMappingRules } from '../bridge/mapping/load-rules.js';
import { createAlertStore } from '../bridge/alerts/index.js';
import { redisSequencer } from '../bridge/cluster/redis-sequencer.js';
import { sharedRules } from '../bridge/cluster/shared-rules.js';
import { isLoopback } from '../broker/index.js';
import { type HomeAssistantPublisher, createHomeAssistant } from '../bridge/home-assistant/index.js';
import { trustedProxies } from '../http/trusted-proxies.js';
import { createHistoryStore, exportRoutes, historyRoutes, retentionRoutes } from '../bridge/history/index.js';
import { type Fleet, type FleetOptions, createFleet, parsePasswords, passwordCredentials } from '../devices/index.js';
import type { ResponseRequest } from '../protocol/publish.js';
import { openDatabase } from '../storage/database.js';
import { apiDescriptionRoutes } from './api-description.js';
import type { HubConfig } from './config.js';
import { watchFile } from './file-watch.js';
import { healthRoutes } from './health.js';
import { type HttpServer, startHttpServer } from './http-server.js';
import { createLab } from './lab.js';
import { packageInfo, packageRoot } from './package-info.js';
import { registerProcessMetrics } from './process-metrics.js';
import { staticRoutes } from './static-files.js';
import { readTlsFiles } from './tls-files.js';

export interface FleetwireExtras {
  /** Where logs go; default: pino to stdout at config.logLevel. */
  logger?: Logger;
  /** The built dashboard; default: dist/web of this package. */
  webRoot?: string;
}

export interface Fleetwire {
  /** The HTTP(S) URL; throws when HTTP is off (`urls.http` is null then). */
  readonly httpUrl: string;
  /** The MQTT over TCP URL; throws when that listener is off (`urls.mqtt` is null then). */
  readonly mqttUrl: string;
  readonly mqttsUrl: string | null;
  /** Every listener's URL, null for one that is off. */
  readonly urls: { readonly http: string | null; readonly mqtt: string | null; readonly mqtts: string | null };
  readonly broker: Broker;
  readonly bridge: Bridge;
  readonly fleet: Fleet | null;
  /** What the HTTP port serves: its routes and WebSocket upgrade paths (docs/openapi.yaml describes them); none when HTTP is off. */
  readonly endpoints: HttpServer['endpoints'];
  /** Lines telling a person where everything listens. */
  describe(): string[];
  /**
   * Re-reads what can change without a restart (SIGHUP calls this): the TLS certificate and key,
   * used by new connections (a pair that fails to load is logged in one line and the old one
   * stays), and the users file (also reread by itself when it changes): clients still allowed
   * stay connected with their new rights, the others are disconnected. A bad users file is
   * refused with its reason and the users in force stay.
   */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** dist/web beside the package.json this module belongs to. */
const defaultWebRoot = (): string => join(packageRoot(), 'dist', 'web');

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function readCredentials(file: string): FleetOptions['credentials'] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--fleet-credentials ${file} cannot be read as JSON: ${(err as Error).message}`);
  }
  const passwords = parsePasswords(data);
  if (!passwords.ok) throw new Error(`--fleet-credentials ${file}: ${passwords.error}`);
  return passwordCredentials(passwords.value);
}

export async function createFleetwire(config: HubConfig, extras: FleetwireExtras = {}): Promise<Fleetwire> {
  const logger = extras.logger ?? pino({ level: config.logLevel, base: { app: 'fleetwire' } });
  const metrics = new Registry();
  registerProcessMetrics(metrics);
  const cleanups: (() => unknown)[] = [];
  let stopping = false;
  const closeAll = async (): Promise<void> => {
    stopping = true; // /readyz answers 503 from here on, while HTTP still serves
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
  };

  try {
    // A bad rule stops start-up before anything is opened or listens.
    const mapping = loadMappingRules(config.map, config.mapRules);
    const db = openDatabase(config.dbFile);
    cleanups.push(() => db.close());
    const users: UserStore | null = config.usersFile ? loadUsers(config.usersFile) : null;
    const store = createHistoryStore({ db, logger, metrics, retention: { rawMs: config.retentionRawMs } });
    cleanups.push(() => store.close());

    // The bridge sends commands through the broker, and the broker hands every publish to the
    // bridge: the broker is bound once it exists.
    let broker: Broker | null = null;
    const liveBroker = (): Broker => {
      if (!broker) throw new Error('broker is not running');
      return broker;
    };
    const deliver = async (topic: string, payload: string, qos: 0 | 1 | 2, request?: ResponseRequest): Promise<void> => liveBroker().deliver(topic, payload, { qos, request });
    const publish = async (topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> => liveBroker().publish(topic, payload, { qos });
    // In a cluster, Redis orders every node's messages and each node's store is a full replica.
    const sequencer = config.redis ? redisSequencer({ url: config.redis, db, logger, metrics }) : undefined;
    // A webhook must not become a way into the hub's network: inward targets only while the hub itself is local, or when told.
    const alerts = {
      store: createAlertStore(db),
      allowPrivateWebhooks: isLoopback(config.host) || config.webhookAllowPrivate,
      // In a cluster every node holds every alert rule, shared through Redis.
      rules: config.redis ? sharedRules({ url: config.redis, logger }) : undefined,
    };
    const bridge = await createBridge({ store, deliver, publish, users, allowOrigins: config.allowOrigins, commandTimeoutMs: config.commandTimeoutMs, sequencer, alerts, mapping, haInbound: config.haInbound, db, logger, metrics });
    cleanups.push(() => bridge.close());
    // HTTP closes after the fleet and the broker (cleanups run in reverse): a load balancer sees
    // /readyz turn 503 first, and browsers still get the devices' offline statuses.
    let closeHttp: () => Promise<void> = async () => {};
    cleanups.push(() => closeHttp());

    // Built once the broker is up (it publishes at once); until then no HA publish can arrive.
    let homeAssistant: HomeAssistantPublisher | null = null;
    const tlsFiles = config.tlsCert && config.tlsKey ? readTlsFiles(config.tlsCert, config.tlsKey, config.mqttTlsCa) : null;
    const startedBroker = await createBroker({
      host: config.host,
      port: config.mqttPort,
      tls: tlsFiles && config.tlsPort !== null ? { port: config.tlsPort, ...tlsFiles, clientCert: config.mqttClientCert } : undefined,
      proxyProtocol: config.mqttProxyProtocol,
      tlsProxyProtocol: config.tlsProxyProtocol,
      db,
      users,
      allowAnonymous: config.allowAnonymous,
      limits: config.brokerLimits,
      logger,
      metrics,
      onPublish: (msg) => {
        homeAssistant?.take(msg);
        return bridge.ingest(msg);
      },
      redis: config.redis,
    });
    broker = startedBroker;
    cleanups.push(() => startedBroker.close());
    if (config.haDiscovery) {
      const publisher = createHomeAssistant({
        devices: bridge.devices,
        commands: bridge.commands,
        deliver: (topic, payload) => startedBroker.deliver(topic, payload, { qos: 1, retain: true }),
        sw: packageInfo().version,
        logger,
      });
      homeAssistant = publisher;
      cleanups.push(() => publisher.close());
    }

    const host = urlHost(config.host);
    const mqttUrl = startedBroker.mqttAddress ? `mqtt://${host}:${startedBroker.mqttAddress.port}` : null;
    let fleet: Fleet | null = null;
    if (config.fleet > 0 && mqttUrl) {
      fleet = await createFleet({
        broker: mqttUrl,
        count: config.fleet,
        seed: config.fleetSeed,
        intervalMs: config.fleetIntervalMs,
        credentials: config.fleetCredentials ? readCredentials(config.fleetCredentials) : undefined,
        logger,
        metrics,
      });
      const running = fleet;
      cleanups.push(() => running.close());
    }

    const lab = createLab({ publish: async (topic, payload) => liveBroker().publish(topic, payload, { qos: 0 }) });
    cleanups.push(() => lab.close());

    // HTTP off: no dashboard, REST, browser streams, health endpoints or MQTT over WebSocket.
    const http: HttpServer | null = config.httpPort === null ? null : await startHttpServer({
      host: config.host,
      port: config.httpPort,
      tls: tlsFiles && { cert: tlsFiles.cert, key: tlsFiles.key },
      routes: [
        ...healthRoutes(
          {
            broker: () => startedBroker.listening(),
            database: () => db.open,
            history: () => store.health().writable,
            running: () => !stopping,
            ...(config.redis ? { redis: () => bridge.ready() && startedBroker.sharedStateReady() } : {}),
          },
          metrics,
        ),
        ...bridge.routes(),
        ...bridge.guard([...historyRoutes(store), ...retentionRoutes(store), ...exportRoutes(store, { alertPages: (from, to, device) => alerts.store.pages(from, to, device) }), ...lab.routes(), ...(fleet?.routes() ?? [])]),
        ...apiDescriptionRoutes(),
        ...staticRoutes(extras.webRoot ?? defaultWebRoot()),
      ],
      upgrades: {
        '/mqtt': (req, socket, head) => startedBroker.handleUpgrade(req, socket, head),
        ...bridge.upgrades(),
      },
      allowOrigins: config.allowOrigins,
      allowHosts: users === null ? config.allowHosts : 'any',
      limits: config.httpLimits,
      proxyProtocol: config.httpProxyProtocol,
      trustProxy: config.trustProxy.length > 0 ? trustedProxies(config.trustProxy, config.forwardedHeader) : null,
      logger,
      metrics,
    });
    // Streams are told the hub is going before their connections are cut.
    if (http) {
      closeHttp = async () => {
        http.stopAccepting();
        try {
          await bridge.endStreams();
        } finally {
          await http.close();
        }
      };
    }

    const reloadTls = (): void => {
      if (!config.tlsCert || !config.tlsKey) return;
      try {
        const files = readTlsFiles(config.tlsCert, config.tlsKey, config.mqttTlsCa);
        startedBroker.setTls(files);
        http?.setTls({ cert: files.cert, key: files.key });
        logger.info({ cert: config.tlsCert }, 'TLS certificate reloaded');
      } catch (err) {
        logger.error(`TLS certificate not reloaded, the old one stays in use: ${(err as Error).message}`);
      }
    };

    const reload = async (): Promise<void> => {
      reloadTls();
      if (!users) return;
      await users.reload();
      logger.info({ file: users.file, users: users.list().length }, 'users file reloaded');
    };
    if (users) {
      const reloadLogged = (): void => void reload().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'users file not reloaded; the users loaded before stay in force'));
      cleanups.push(watchFile(users.file, reloadLogged, (err) => logger.error({ err }, 'cannot watch the users file; send SIGHUP to reload it')));
    }

    const mqttsUrl = startedBroker.tlsAddress ? `mqtts://${host}:${startedBroker.tlsAddress.port}` : null;
    const httpUrl = http ? http.url.replace(/\/\/(0\.0\.0\.0|\[::\])/, `//${host}`) : null;
    const urls = { http: httpUrl, mqtt: mqttUrl, mqtts: mqttsUrl };
    logger.info({ ...urls, db: config.dbFile, fleet: config.fleet, cluster: config.redis !== null }, 'listening');
    const wsUrl = httpUrl?.replace(/^http/, 'ws');
    /** What a listener expects besides its protocol, for the banner. */
    const notes = (...list: (string | false)[]): string => list.filter((n) => n !== false).map((n) => `  (${n})`).join('');
    return {
      get httpUrl() {
        if (httpUrl === null) throw new Error('HTTP is off (--http-port off)');
        return httpUrl;
      },
      get mqttUrl() {
        if (mqttUrl === null) throw new Error('MQTT over TCP is off (--mqtt-port off)');
        return mqttUrl;
      },
      mqttsUrl,
      urls,
      broker: startedBroker,
      bridge,
      fleet,
      endpoints: http?.endpoints ?? { routes: [], upgrades: [] },
      describe: () => [
        'fleetwire is running',
        `  dashboard       ${httpUrl ? `${httpUrl}/${notes(config.httpProxyProtocol && 'PROXY protocol', config.trustProxy.length > 0 && `client address from ${config.forwardedHeader} of ${config.trustProxy.join(',')}`)}` : 'off (--http-port off)'}`,
        `  MQTT            ${mqttUrl ? `${mqttUrl}${notes(config.mqttProxyProtocol && 'PROXY protocol')}` : 'off (--mqtt-port off)'}`,
        ...(mqttsUrl ? [`  MQTT over TLS   ${mqttsUrl}${notes(config.tlsProxyProtocol && 'PROXY protocol', config.mqttClientCert !== 'off' && `client certificates: ${config.mqttClientCert}`)}`] : tlsFiles ? ['  MQTT over TLS   off (--tls-port off)'] : []),
        ...(wsUrl ? [`  MQTT over WS    ${wsUrl}/mqtt`, `  STOMP           ${wsUrl}/stomp  (SockJS: ${httpUrl}/sockjs)`] : ['  MQTT over WS    off, as is every browser endpoint (--http-port off)']),
        `  data            ${config.dbFile}`,
        `  demo devices    ${config.fleet}`,
        ...(config.haDiscovery ? ['  Home Assistant  discovery on homeassistant/device/<id>/config, light commands on fleetwire/ha/<id>/light/set'] : []),
        ...(mapping.length > 0 ? [`  mapping         ${[...config.map, ...(config.mapRules ? ['mapping-rules'] : [])].join(', ')} (${mapping.length} rules)`] : []),
        ...(config.haInbound ? ['  HA inbound      devices announced on homeassistant/…/config are mapped'] : []),
        'Press Ctrl-C to stop.',
      ],
      reload,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
