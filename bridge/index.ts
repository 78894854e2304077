/**
 * The bridge: MQTT in, browsers out. Ingest turns each publish into the contract's message
 * (seq, ts, topic, device, kind, data), the store keeps it, the hub fans it out to SSE,
 * WebSocket, long and short polling, iframe streaming and STOMP alike, and the command tracker
 * pushes command results back. Build with createBridge, then pass `ingest` to the broker as
 * onPublish, `routes()` and `upgrades()` to the HTTP server.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { UserStore } from '../auth/index.js';
import type { Route } from '../http/router.js';
import type { Db } from '../storage/database.js';
import { createAccess } from './access/access.js';
import { type AlertStore, createAlerts } from './alerts/index.js';
import { loginRoutes } from './access/login-routes.js';
import { commandRoutes } from './commands/command-routes.js';
import { type CommandTracker, createCommandTracker } from './commands/command-tracker.js';
import type { HistoryStore } from './history/store.js';
import { createHub } from './hub/hub.js';
import { createApplyPipeline } from './ingest/apply.js';
import type { Publish } from '../protocol/publish.js';
import { TRANSPORT_PATHS } from '../protocol/transports.js';
import { createIngest } from './ingest/ingest.js';
import { type SequencerFactory, createLocalSequencer } from './ingest/sequencer.js';
import { type BridgeLimits, resolveLimits } from './limits.js';
import { createBridgeMetrics } from './metrics.js';
import { type DeviceRegistry, createDeviceRegistry } from './registry/device-registry.js';
import { deviceRoutes } from './registry/device-routes.js';
import { iframeRoute } from './transports/iframe.js';
import { pollRoutes } from './transports/poll.js';
import { sseRoute } from './transports/sse.js';
import type { TransportDeps } from './transports/transport-deps.js';
import { createStompTransport } from './transports/stomp/index.js';
import { createWsTransport } from './transports/ws.js';
import { messageSize } from './transports/encode.js';

export type { BridgeLimits } from './limits.js';
export type { DeviceListener, DeviceRegistry } from './registry/device-registry.js';
export type { CommandTracker } from './commands/command-tracker.js';
export type { Sequencer, SequencerFactory, SequencerOptions } from './ingest/sequencer.js';

export interface BridgeOptions {
  store: HistoryStore;
  /** The broker port: sends a command to devices as the hub, without passing the ingest hook (the bridge has recorded it). */
  deliver: (topic: string, payload: string, qos: 0 | 1 | 2) => Promise<void>;
  /** The broker port: publishes as the hub through the ingest hook, so the message is recorded and delivered (a STOMP broadcast SEND). */
  publish: (topic: string, payload: Buffer, qos: 0 | 1 | 2) => Promise<void>;
  /** null = open access (only allowed on loopback; the CLI enforces it). */
  users: UserStore | null;
  /** Origins besides the hub's own that browsers may call from. */
  allowOrigins?: string[];
  /** ms a command may stay pending before it times out; default 10 000. */
  commandTimeoutMs?: number;
  limits?: Partial<BridgeLimits>;
  /** Where alert rules and alerts are kept (bridge/alerts), and whether webhooks may reach private addresses. */
  alerts: { store: AlertStore; allowPrivateWebhooks: boolean };
  /** Keeps login sessions in this database across restarts; none: in memory. */
  db?: Db;
  /** Where seqs come from; default: this process alone. bridge/cluster has the Redis one. */
  sequencer?: SequencerFactory;
  logger: Logger;
  metrics: Registry;
}

export interface Bridge {
  /** The broker's onPublish. Never throws; for QoS ≥ 1 returns the promise that settles when the message is on disk. */
  ingest(msg: Publish<Buffer>): void | Promise<void>;
  /** Every HTTP route of the bridge. */
  routes(): Route[];
  /** WebSocket upgrades by path: `/ws`, `/stomp`, and `/sockjs/*` (a prefix). */
  upgrades(): Record<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  /** Other parts' browser routes behind the same login and origin checks: reading needs a viewer, anything else an admin. */
  guard(routes: Route[]): Route[];
  /** The device registry, read-only, and its per-message listeners (bridge/home-assistant mirrors it). */
  readonly devices: Pick<DeviceRegistry, 'get' | 'list' | 'watch'>;
  /** Sends a command down the same path as a browser's: the same checks, recorded and tracked to its ack or timeout. */
  readonly commands: Pick<CommandTracker, 'send' | 'get'>;
  /** False while the sequencer cannot take new messages (for /readyz). */
  ready(): boolean;
  /**
   * Ends every stream and socket politely, each client told why (SSE `event: end`, WebSocket
   * 1001, a waiting long poll answered, the iframe's end message). Call it before the HTTP
   * server cuts its connections; ingest and commands go on until close().
   */
  endStreams(): Promise<void>;
  /** Ends the streams if that is not done yet, then stops the timers. */
  close(): Promise<void>;
}

/** ms WebSockets get to finish their closing handshake when the bridge closes. */
const WS_CLOSE_GRACE_MS = 1000;

export async function createBridge(opts: BridgeOptions): Promise<Bridge> {
  const limits = resolveLimits(opts.limits);
  const commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
  if (!Number.isSafeInteger(commandTimeoutMs) || commandTimeoutMs <= 0) throw new Error('commandTimeoutMs must be a positive whole number of ms');
  const logger = opts.logger.child({ part: 'bridge' });
  const metrics = createBridgeMetrics(opts.metrics);
  const { store } = opts;

  // ADMIT (ingest) → sequencer → APPLY; the parts that react to applied messages subscribe to its steps.
  const pipeline = createApplyPipeline({ store, metrics, logger });
  const sequencer = await (opts.sequencer ?? createLocalSequencer)({ store, apply: pipeline.apply });
  // Resumes go by the sequencer's first seq: a cluster node may lack messages its store knows nothing of.
  const replay = { store, firstSeq: () => sequencer.firstSeq(), lastSeq: () => sequencer.lastSeq() };
  const hub = createHub({ replay, applied: pipeline, messageBytes: messageSize, limits, metrics, logger });
  const registry = createDeviceRegistry({ store, applied: pipeline, maxDevices: limits.maxDevices, logger });
  const commands = createCommandTracker({ store, sequencer, applied: pipeline, hub, registry, deliver: opts.deliver, timeoutMs: commandTimeoutMs, limits, metrics, logger });
  const alerts = createAlerts({
    ...opts.alerts,
    registry,
    applied: pipeline,
    submit: (entry) => sequencer.submit(entry, null),
    evaluates: () => true,
    maxBodyBytes: limits.maxFrameBytes,
    metrics: opts.metrics,
    logger,
  });
  const ingest = createIngest({ sequencer, maxPayloadBytes: limits.maxPayloadBytes, metrics, logger });
  const allowOrigins = opts.allowOrigins ?? [];
  const access = createAccess({ users: opts.users, allowOrigins, maxSessions: limits.maxSessions, maxSessionsPerUser: limits.maxSessionsPerUser, sessionTtlMs: limits.sessionTtlMs, db: opts.db });
  const deps: TransportDeps = { hub, commands, access, limits, metrics, logger };
  const ws = createWsTransport(deps);
  const stomp = createStompTransport({ ...deps, publish: opts.publish });
  const routes: Route[] = access.withPreflight([
    ...loginRoutes(access, limits.loginsPerUserPerMinute),
    sseRoute(deps),
    ...pollRoutes(deps),
    iframeRoute(deps, allowOrigins),
    ...commandRoutes(commands, access, limits.maxFrameBytes),
    ...deviceRoutes(registry, access),
    ...alerts.routes(access),
  ]).concat(stomp.routes()); // SockJS answers its own preflights, after the origin check
  const upgrades = { [TRANSPORT_PATHS.ws]: ws.handleUpgrade, ...stomp.upgrades() };
  let closed = false;
  let ending: Promise<void> | null = null;
  const endStreams = (): Promise<void> =>
    (ending ??= (async () => {
      hub.close('the hub is shutting down');
      await ws.close(WS_CLOSE_GRACE_MS);
      await stomp.close();
    })());

  return {
    ingest: (msg) => (closed ? undefined : ingest(msg)),
    devices: registry,
    commands,
    routes: () => routes,
    upgrades: () => Object.fromEntries(Object.entries(upgrades).map(([path, handle]) => [path, (req, socket, head) => (closed ? socket.destroy() : handle(req, socket, head))])),
    ready: () => sequencer.ready(),
    guard: (guarded) =>
      access.withPreflight(guarded.map((route) => ({ ...route, handler: access.guard(route.method === 'GET' ? 'viewer' : 'admin', (req, res, params, url) => route.handler(req, res, params, url)) }))),
    endStreams,
    async close() {
      if (closed) return;
      closed = true;
      await endStreams();
      await sequencer.close();
      commands.close();
      alerts.close();
      registry.close();
    },
  };
}
