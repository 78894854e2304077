/**
 * A real bridge for integration tests: the SQLite history store on a temp file, the bridge,
 * and the hub's HTTP server on port 0. Publishes go into `bridge.ingest` exactly as the
 * broker's onPublish hands them over; the hub's commands to devices are recorded in
 * `published` (the broker delivers them without passing onPublish). `restart()` reopens everything
 * on the same file. Close every rig with stopRigs() in afterEach/afterAll.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { UserStore } from '../../../auth/index.js';
import type { Route } from '../../../http/router.js';
import { type Bridge, type BridgeLimits, createBridge } from '../../../bridge/index.js';
import { createAlertStore } from '../../../bridge/alerts/index.js';
import { type HistoryOptions, type SqliteHistoryStore, createHistoryStore } from '../../../bridge/history/index.js';
import type { HttpLimits } from '../../../server/http-limits.js';
import { type HttpServer, startHttpServer } from '../../../server/http-server.js';
import { type Db, openDatabase } from '../../../storage/database.js';
import { TempDirs } from '../../support/temp-dirs.js';

export interface RigOptions {
  limits?: Partial<BridgeLimits>;
  users?: UserStore | null;
  allowOrigins?: string[];
  commandTimeoutMs?: number;
  /** More routes for the HTTP server, e.g. a page to load in a browser at the hub's origin. */
  routes?: Route[];
  /** Routes put behind the bridge's login and origin checks (bridge.guard), as other parts' are. */
  guarded?: Route[];
  httpLimits?: Partial<HttpLimits>;
  /** The store's commit windows. */
  commits?: Pick<HistoryOptions, 'commitIntervalMs' | 'lazyCommitMs'>;
}

export interface Rig {
  readonly url: string;
  readonly bridge: Bridge;
  readonly store: SqliteHistoryStore;
  /** The database connection, for tests that break it on purpose. */
  readonly db: Db;
  readonly metrics: Registry;
  /** Every publish the hub made, in order. */
  readonly published: { topic: string; payload: string; qos: number }[];
  /** Publishes as client `clientId` would through the broker; returns ingest's result. */
  publish(topic: string, payload: string | Buffer, opts?: { qos?: 0 | 1 | 2; clientId?: string | null }): void | Promise<void>;
  /** Closes and reopens the bridge, store and HTTP server on the same database file (a new URL). */
  restart(): Promise<void>;
  /** Makes the store forget every committed message (retention as if a day had passed). */
  forgetHistory(): Promise<void>;
  close(): Promise<void>;
}

const rigs = new Set<Rig>();
const temp = new TempDirs();
const logger = pino({ level: process.env.FLEETWIRE_TEST_LOG ?? 'silent' });

interface Parts {
  db: Db;
  store: SqliteHistoryStore;
  bridge: Bridge;
  http: HttpServer;
  metrics: Registry;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = temp.make('fleetwire-bridge-');
  const published: Rig['published'] = [];
  let clockOffset = 0;
  let parts: Parts;

  const open = async (): Promise<Parts> => {
    const db = openDatabase(join(dir, 'fleetwire.db'));
    const metrics = new Registry();
    const store = createHistoryStore({ db, logger, metrics, pruneIntervalMs: 0, retention: { messagesMs: 1 }, now: () => Date.now() + clockOffset, ...opts.commits });
    const bridge: Bridge = await createBridge({
      store,
      deliver: async (topic, payload, qos) => {
        published.push({ topic, payload, qos });
      },
      // As the broker's publish: through ingest (recorded, then fanned out), as the hub (clientId null).
      publish: async (topic, payload, qos) => {
        published.push({ topic, payload: payload.toString(), qos });
        await bridge.ingest({ topic, payload, qos, retain: false, clientId: null });
      },
      users: opts.users ?? null,
      allowOrigins: opts.allowOrigins,
      commandTimeoutMs: opts.commandTimeoutMs,
      limits: opts.limits,
      alerts: { store: createAlertStore(db), allowPrivateWebhooks: true },
      db,
      logger,
      metrics,
    });
    const http = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      tls: null,
      routes: [...bridge.routes(), ...bridge.guard(opts.guarded ?? []), ...(opts.routes ?? [])],
      upgrades: bridge.upgrades(),
      allowOrigins: opts.allowOrigins ?? [],
      allowHosts: opts.users ? 'any' : [],
      limits: opts.httpLimits,
      logger,
      metrics,
    });
    return { db, store, bridge, http, metrics };
  };
  const shut = async (p: Parts): Promise<void> => {
    await p.http.close();
    await p.bridge.close();
    if (p.db.open) {
      await p.store.close();
      p.db.close();
    }
  };

  parts = await open();
  const rig: Rig = {
    get url() {
      return parts.http.url;
    },
    get bridge() {
      return parts.bridge;
    },
    get store() {
      return parts.store;
    },
    get db() {
      return parts.db;
    },
    get metrics() {
      return parts.metrics;
    },
    published,
    publish: (topic, payload, o = {}) =>
      parts.bridge.ingest({ topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: o.qos ?? 0, retain: false, clientId: o.clientId === undefined ? 'device' : o.clientId }),
    async restart() {
      await shut(parts);
      parts = await open();
    },
    async forgetHistory() {
      await parts.store.flush();
      clockOffset += 86_400_000;
      await parts.store.prune();
    },
    async close() {
      rigs.delete(rig);
      await shut(parts);
    },
  };
  rigs.add(rig);
  return rig;
}

/** Closes every rig this file started and removes their files. */
export async function stopRigs(): Promise<void> {
  await Promise.all([...rigs].map((r) => r.close()));
  temp.remove();
}
