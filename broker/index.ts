/**
 * The MQTT broker: Aedes 2.0.0-beta.1 (MQTT 3.1, 3.1.1 and 5; QoS 0/1/2, retained, wills,
 * persistent sessions) on TCP, TLS and WebSocket, with its state in the shared SQLite file, users and
 * roles from auth/, limits, metrics and a hook that hands every message to the hub.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { User, UserStore } from '../auth/index.js';
import type { ResponseRequest } from '../protocol/publish.js';
import type { Db } from '../storage/database.js';
import type { ClientCertMode } from './client-certificate.js';
import { shareClientListeners } from './client-listeners.js';
import { createRedisBackends } from './cluster.js';
import { MAX_CLIENT_ID_LENGTH, createConnectPolicy } from './connect-policy.js';
import { createInboundWindow } from './inbound-window.js';
import { type PublishHook, createPublishHook } from './publish-hook.js';
import { type BrokerLimits, PROTOCOL_MAX_PACKET, resolveLimits } from './limits.js';
import { startListeners } from './listeners.js';
import { isLoopback } from './loopback.js';
import { createBrokerMetrics } from './metrics.js';
import { PacketGuardError, guardOf } from './packet-guard.js';
import { shareParserSettings, slimParser } from './parser-state.js';
import { makeBrokerPrototypeSafe, makeClientPrototypeSafe } from './prototype-safe.js';
import { SqlitePersistence } from './persistence/sqlite-persistence.js';
import { AclRefusal, createPublishPolicy } from './publish-policy.js';
import { createPublishThrottle } from './publish-throttle.js';
import { reviewSessionsOnReload } from './session-reviewer.js';
import { imposeServerKeepAlive } from './server-keep-alive.js';
import { type SessionExpiry, createSessionExpiry } from './session-expiry.js';
import { createSessionPresence } from './session-present.js';
import { shareTopicAliasMap } from './topic-alias-map.js';
import { topicProblem } from './topic-rules.js';

export { type BrokerLimits, BROKER_LIMITS } from './limits.js';
export { isLoopback } from './loopback.js';

export interface HubPublishOptions {
  qos: 0 | 1 | 2;
  retain?: boolean;
  /** Response Topic and Correlation Data for v5 subscribers (a command to a device). */
  request?: ResponseRequest;
}

export interface BrokerOptions {
  /** Bind address of the TCP and TLS listeners; default '127.0.0.1'. */
  host: string;
  /** MQTT over TCP; 0 = ephemeral, null = off. */
  port: number | null;
  /** MQTT over TLS, when given; `ca` and `clientCert` (default off) log devices in by client certificate (client-certificate.ts). */
  tls?: { port: number; cert: Buffer; key: Buffer; ca?: Buffer | undefined; clientCert?: ClientCertMode } | undefined;
  /** MQTT over TCP sits behind a load balancer that sends a PROXY protocol v1/v2 header; default false. */
  proxyProtocol?: boolean;
  /** The same for MQTT over TLS (the header comes before the handshake); default false. */
  tlsProxyProtocol?: boolean;
  /** The shared database; the broker's tables are prefixed `broker_`. */
  db: Db;
  /** null = no users file: anonymous clients, allowed only on loopback unless allowAnonymous. Each reload of the store is applied to the clients connected (session-reviewer.ts). */
  users: UserStore | null;
  /** Let anonymous clients in even off loopback or with a users file (logged as a warning). */
  allowAnonymous: boolean;
  limits?: Partial<BrokerLimits>;
  logger: Logger;
  metrics: Registry;
  /**
   * Called once for every message a client publishes (after the ACL), every last will, and every
   * `publish()`. For QoS 1/2 from a client the broker waits for the promise before PUBACK/PUBREC;
   * a QoS 2 retransmission is not passed twice. A rejection is logged; a client's QoS 1/2 message
   * is then refused (the client is dropped unacknowledged and resends), anything else goes through.
   */
  onPublish?: PublishHook;
  /**
   * redis:// or rediss:// URL: the broker joins a cluster (cluster.ts). Publishes reach
   * subscribers on every node, and retained messages, sessions and wills live in Redis instead
   * of `db`. null or absent: one process, state in `db`.
   */
  redis?: string | null;
  /** ms between `$SYS/<broker id>/heartbeat` messages; 0 = off. Default 60 s. */
  heartbeatIntervalMs?: number;
}

export interface Broker {
  readonly aedes: Aedes;
  /** Bound addresses (after listen), e.g. for port 0; null for a listener that is off. */
  readonly mqttAddress: AddressInfo | null;
  readonly tlsAddress: AddressInfo | null;
  /** Handles an HTTP upgrade for MQTT over WebSocket (the HTTP server calls this for path /mqtt). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Swaps the MQTT-over-TLS certificate and key (and client CA) for new connections (a reload); no-op without TLS. */
  setTls(files: { cert: Buffer; key: Buffer; ca?: Buffer | undefined }): void;
  /** Publishes as the hub (clientId null): passes onPublish, then delivers. Resolves when delivered to Aedes; rejects a bad topic, an oversized payload, or a closed broker. */
  publish(topic: string, payload: Buffer | string, opts: HubPublishOptions): Promise<void>;
  /** Delivers to subscribers as the hub without passing onPublish: for messages the hook's owner has recorded already (commands). Rejects as publish does. */
  deliver(topic: string, payload: Buffer | string, opts: HubPublishOptions): Promise<void>;
  /** True while the listeners are up. */
  listening(): boolean;
  /** True while the shared state is reachable: always without `redis`, with it while every Redis connection is up. */
  sharedStateReady(): boolean;
  /** Stops accepting, closes every client (their wills go out and reach onPublish), waits for the hook, then releases the database. */
  close(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_HEARTBEAT_MS = 60_000;
/** Aedes always beats and sweeps wills every 4 beats; "off" is the longest beat whose sweep timer does not overflow. */
const HEARTBEAT_OFF_MS = Math.floor((2 ** 31 - 1) / 4);
/** MQTT 5 topic aliases a client may set up per connection [MQTT-3.2.2-17]; each holds one topic name. */
const TOPIC_ALIAS_MAXIMUM = 64;
/** The error Aedes reports for a header over its maximumPacketSize. */
const AEDES_PACKET_TOO_LARGE = 'packet too large';

function describe(client: Client | null): { clientId: string | null; remote: string } {
  return { clientId: client?.id ?? null, remote: guardOf(client?.conn)?.remote ?? 'unknown' };
}

/**
 * Builds the broker and starts listening. Throws, before binding anything, when the host is
 * not loopback and there is neither a users file nor allowAnonymous.
 */
export async function createBroker(opts: BrokerOptions): Promise<Broker> {
  const host = opts.host || DEFAULT_HOST;
  const limits = resolveLimits(opts.limits);
  if (!isLoopback(host) && opts.users === null && !opts.allowAnonymous) {
    throw new Error(`The broker host ${host} is not loopback, so it needs a users file (option users) or an explicit allowAnonymous.`);
  }
  const logger = opts.logger.child({ part: 'broker' });
  if (opts.allowAnonymous) {
    logger.warn({ host }, 'ANONYMOUS ACCESS IS ON: anyone who can reach this broker may publish and subscribe to anything without logging in');
  }
  const metrics = createBrokerMetrics(opts.metrics);
  const cluster = opts.redis ? createRedisBackends({ url: opts.redis, maxSessionDelivery: limits.maxQueuedMessages, logger }) : null;
  const sqlite = cluster
    ? null
    : new SqlitePersistence(opts.db, {
        maxQueuedMessages: limits.maxQueuedMessages,
        onQueueFull: (clientId) => {
          metrics.rejects.inc({ reason: 'queue_full' });
          logger.warn({ clientId, limit: limits.maxQueuedMessages }, 'session queue full: message not queued');
        },
      });
  const persistence = cluster?.persistence ?? (sqlite as SqlitePersistence);
  const destroyPersistence = (): Promise<void> => (cluster ? cluster.close() : (sqlite as SqlitePersistence).destroy());
  const sessions = new WeakMap<Client, User | null>();
  // Redis keeps inbound QoS 2 state only behind an async read; the in-hook check below still
  // catches retransmissions that arrive while the first copy is being taken.
  const isStoredQos2 = (c: string, m: number): boolean => sqlite?.hasIncoming(c, m) ?? false;
  const hook = createPublishHook({ hook: opts.onPublish, isStoredQos2, logger, onFailure: () => metrics.hookFailures.inc() });
  const throttle = createPublishThrottle(limits.publishesPerSecond, () => metrics.throttled.inc());
  const connectPolicy = createConnectPolicy({ users: opts.users, allowAnonymous: opts.allowAnonymous, limits, sessions, logger, metrics });
  const sessionPresence = createSessionPresence(sqlite);
  const window = createInboundWindow(limits.maxInflightInbound, (client) => {
    metrics.rejects.inc({ reason: 'receive_maximum' });
    logger.warn({ ...describe(client), limit: limits.maxInflightInbound }, 'too many unacknowledged messages from the client: disconnected');
  });
  const publishPolicy = createPublishPolicy({ sessions, throttle, window, hook, maxSubscriptions: limits.maxSubscriptionsPerClient, logger, metrics });

  const aedes = new Aedes({
    persistence,
    ...(cluster ? { mq: cluster.mq } : {}),
    // No cap on messages in delivery at once. With a cap, messages wait in mqemitter's queue, and
    // once a slow subscriber frees the slots, a run of queued messages nobody subscribes to is
    // released recursively, one stack frame each: a flood then overflows the stack and ends the
    // process (test/broker/robustness.test.ts). What waits for a slow subscriber is bounded by
    // maxBufferedBytes and drainTimeout instead (PacketGuard).
    concurrency: 0,
    heartbeatInterval: opts.heartbeatIntervalMs === 0 ? HEARTBEAT_OFF_MS : (opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS),
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    maxTopicLevels: limits.maxTopicLevels,
    maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
    receiveMaximum: limits.maxInflightInbound,
    topicAliasMaximum: TOPIC_ALIAS_MAXIMUM,
    // Advertised to MQTT 5 clients in CONNACK; Aedes answers an oversized header (which
    // PacketGuard passes on alone) with DISCONNECT 0x95 to a v5 client and a close to others.
    maximumPacketSize: limits.maxPacketSize < PROTOCOL_MAX_PACKET ? limits.maxPacketSize : 0,
    preConnect(client, packet, done) {
      if (packet.protocolVersion === 5) guardOf(client.conn)?.flushBeforeClose();
      sessionPresence.connecting(client, packet);
      imposeServerKeepAlive(client, packet, limits.maxKeepaliveSeconds);
      shareTopicAliasMap(client, packet);
      shareParserSettings(client, packet);
      connectPolicy.preConnect(client, packet, done);
    },
    authenticate(client, username, password, done) {
      connectPolicy.authenticate(client, username, password, (err, ok) => {
        if (!err && ok) sessionPresence.accepted(client);
        done(err, ok);
      });
    },
    authorizePublish: publishPolicy.authorizePublish,
    authorizeSubscribe: publishPolicy.authorizeSubscribe,
    authorizeForward: publishPolicy.authorizeForward,
  });
  makeBrokerPrototypeSafe(aedes);
  const dropped = (client: Client | null, err: Error & { size?: number }): void => {
    if (err instanceof AclRefusal) return;
    let why = err.message;
    if (err instanceof PacketGuardError) metrics.rejects.inc({ reason: err.reason });
    else if (err.message === AEDES_PACKET_TOO_LARGE) {
      metrics.rejects.inc({ reason: 'oversized' });
      why = `packet of ${err.size ?? '?'} bytes is over the ${limits.maxPacketSize}-byte limit`;
    }
    logger.warn({ ...describe(client), err: why }, 'client dropped');
  };
  aedes.on('clientError', dropped);
  aedes.on('connectionError', dropped);
  // Aedes' typings omit 'error', which it emits on a persistence failure; unheard, it would end the process.
  const emitter: EventEmitter = aedes;
  emitter.on('error', (err: Error) => logger.error({ err }, 'broker error'));
  aedes.on('clientReady', (client) => {
    try {
      sessionPresence.ready(client);
    } catch (err) {
      // e.g. the database stayed locked past busy_timeout: the connection goes on, reported, not the process ended
      logger.error({ ...describe(client), err }, 'could not record the session');
    }
    logger.debug(describe(client), 'client connected');
  });
  let sessionExpiry: SessionExpiry | null = null;
  aedes.on('clientDisconnect', (client) => {
    sessionExpiry?.disconnected(client);
    logger.debug(describe(client), 'client disconnected');
  });
  aedes.on('keepaliveTimeout', (client) => logger.info(describe(client), 'keepalive expired'));
  aedes.on('unsubscribe', (filters, client) => publishPolicy.unsubscribed(client, filters));
  const users = opts.users;
  const stopReviewing = users ? reviewSessionsOnReload({ aedes, users, sessions, heldFilters: publishPolicy.heldFilters, logger, metrics }) : () => undefined;

  let listeners;
  try {
    await aedes.listen();
    if (sqlite) sessionExpiry = createSessionExpiry(sqlite, aedes, logger);
    listeners = await startListeners({
      host,
      port: opts.port,
      tls: opts.tls ? { ...opts.tls, clientCert: opts.tls.clientCert ?? 'off' } : undefined,
      limits,
      proxyProtocol: opts.proxyProtocol ?? false,
      tlsProxyProtocol: opts.tlsProxyProtocol ?? false,
      loopbackOnly: opts.users === null && !opts.allowAnonymous,
      logger,
      metrics,
      accept: (conn, req) => {
        const client = aedes.handle(conn, req);
        makeClientPrototypeSafe(client);
        slimParser(client);
        shareClientListeners(client);
      },
    });
  } catch (err) {
    stopReviewing();
    sessionExpiry?.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await cluster?.close();
    metrics.unregister();
    throw err;
  }
  logger.info({ mqtt: listeners.mqttAddress, tls: listeners.tlsAddress, brokerId: aedes.id }, 'broker listening');

  let closing: Promise<void> | null = null;
  const running = listeners;
  /** A hub publish's payload as bytes; throws for a bad topic, an oversized payload or a closed broker. */
  const checkHubPublish = (topic: string, payload: Buffer | string): Buffer => {
    if (closing) throw new Error('the broker is closed');
    const problem = topicProblem(topic, limits.maxTopicLevels);
    if (problem) throw new Error(`cannot publish: ${problem}`);
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (buf.length > limits.maxPacketSize) throw new Error(`cannot publish: payload of ${buf.length} bytes is over maxPacketSize`);
    return buf;
  };
  const deliver = (topic: string, payload: Buffer, { qos, retain = false, request }: HubPublishOptions): Promise<void> => {
    // Aedes writes each copy in its subscriber's protocol version: a 3.1.1 device gets no properties.
    const properties = request ? { responseTopic: request.responseTopic, correlationData: Buffer.from(request.correlationData, 'utf8') } : undefined;
    return new Promise<void>((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic, payload, qos, retain, dup: false, ...(properties ? { properties } : {}) }, (err) => (err ? reject(err) : resolve())),
    );
  };

  return {
    aedes,
    mqttAddress: running.mqttAddress,
    tlsAddress: running.tlsAddress,
    handleUpgrade: (req, socket, head) => running.handleUpgrade(req, socket, head),
    setTls: (files) => running.setTls(files),
    async publish(topic, payload, opts) {
      const buf = checkHubPublish(topic, payload);
      await hook.fromHub({ topic, payload: buf, qos: opts.qos, retain: opts.retain ?? false, clientId: null });
      await deliver(topic, buf, opts);
    },
    deliver: async (topic, payload, opts) => deliver(topic, checkHubPublish(topic, payload), opts),
    listening: () => closing === null,
    sharedStateReady: () => cluster?.ready() ?? true,
    close() {
      closing ??= (async () => {
        stopReviewing();
        const stopped = running.close();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await hook.settled();
        await stopped;
        sessionExpiry?.close();
        // Aedes stores what a settled hook let through in the microtasks that follow.
        await new Promise((resolve) => setImmediate(resolve));
        throttle.close();
        await destroyPersistence();
        metrics.unregister();
        logger.info('broker closed');
      })();
      return closing;
    },
  };
}
