/**
 * Real SQLite files in temp directories, history stores over them, and message builders.
 * Everything made here is closed and removed by `cleanup()` (call it in afterEach).
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { type HistoryOptions, type SqliteHistoryStore, createHistoryStore } from '../../bridge/history/index.js';
import { admit } from '../../bridge/ingest/ingest.js';
import { DEFAULT_LIMITS } from '../../bridge/limits.js';
import type { HubMessage } from '../../protocol/message.js';
import { topics } from '../../protocol/names.js';
import { type Db, openDatabase } from '../../storage/database.js';
import { TempDirs } from '../support/temp-dirs.js';

export interface Opened {
  store: SqliteHistoryStore;
  db: Db;
  metrics: Registry;
  /** Every log line the store wrote, parsed. */
  logs: Record<string, unknown>[];
}

type StoreOverrides = Partial<Omit<HistoryOptions, 'db' | 'logger' | 'metrics'>>;

export class Fixture {
  private readonly temp = new TempDirs();
  private readonly stores: SqliteHistoryStore[] = [];
  private readonly dbs: Db[] = [];

  /** A fresh database file path in its own temp directory. */
  file(): string {
    return join(this.temp.make('fleetwire-history-'), 'fleetwire.db');
  }

  db(file: string, readonly = false): Db {
    const db = openDatabase(file, { readonly });
    this.dbs.push(db);
    return db;
  }

  /** Opens a store on a file (a new connection) or on an open connection, retention timer off. */
  open(target: string | Db, overrides: StoreOverrides = {}): Opened {
    const db = typeof target === 'string' ? this.db(target) : target;
    const logs: Record<string, unknown>[] = [];
    const metrics = new Registry();
    const store = createHistoryStore({ db, logger: captureLogger(logs), metrics, pruneIntervalMs: 0, ...overrides });
    this.stores.push(store);
    return { store, db, metrics, logs };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((s) => s.close()));
    for (const db of this.dbs.splice(0)) if (db.open) db.close();
    this.temp.remove();
  }
}

function captureLogger(into: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

/**
 * The message a publish on `topic` becomes, built by the real ingest (ADMIT: topic parsing and
 * the payload decoder), with the seq and hub time given. A `reject` when the payload breaks the contract.
 */
export function message(seq: number, ts: number, topic: string, payload: string | Buffer): HubMessage {
  const entry = admit({ topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: 0, retain: false, clientId: 'fixture' }, DEFAULT_LIMITS.maxPayloadBytes);
  if (!entry) throw new Error(`ingest does not carry a publish on ${topic}`);
  return { seq, ts, ...entry };
}

export function telemetry(seq: number, ts: number, device: string, data: Record<string, number>): HubMessage {
  return message(seq, ts, topics.telemetry(device), JSON.stringify(data));
}

/** The current value of a counter (summed over labels matching `labels`). */
export async function counter(metrics: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/** Polls `check` until it is truthy; fails after `ms`. */
export async function until(check: () => unknown, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
