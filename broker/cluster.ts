/**
 * The broker's cluster backends: with a Redis URL, Aedes shares its state through Redis instead
 * of the SQLite file — mqemitter-redis carries every publish to every node's subscribers and
 * aedes-persistence-redis keeps retained messages, persistent sessions, wills and inbound QoS 2
 * state. Both are the upstream engines (not re-implemented here); this file only connects them
 * and reports whether their connections are up.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import type { Logger } from 'pino';

interface AsyncRedisPersistence {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<object>;
  outgoingStream(client: object): AsyncIterable<object>;
  destroy(): Promise<void>;
}

// The async persistence class is not the package's main export (that one is callback-style,
// which Aedes 1.x refuses: its setup() must be an async function).
const AsyncPersistence = createRequire(import.meta.url)('aedes-persistence-redis/asyncPersistence.js') as new (opts: { conn: Redis; maxSessionDelivery: number }) => AsyncRedisPersistence;

/**
 * aedes-persistence-redis 12 returns async iterables where Aedes 1.2 pipes Node streams
 * (retained messages on SUBSCRIBE, a session's queue on reconnect): each becomes a Readable.
 */
class StreamingRedisPersistence extends AsyncPersistence {
  override createRetainedStreamCombi(patterns: string[]): Readable & AsyncIterable<object> {
    return Readable.from(super.createRetainedStreamCombi(patterns));
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  override outgoingStream(client: object): Readable & AsyncIterable<object> {
    return Readable.from(super.outgoingStream(client));
  }
}

export interface RedisBackends {
  /** For Aedes' `mq` option. */
  readonly mq: ReturnType<typeof MQEmitterRedis>;
  /** For Aedes' `persistence` option. */
  readonly persistence: object;
  /** True while every connection to Redis is up. */
  ready(): boolean;
  /** Destroys the persistence (Aedes' close() does not) and drops every connection, even when Aedes never started. */
  close(): Promise<void>;
}

export interface RedisBackendOptions {
  /** redis:// or rediss:// */
  url: string;
  /** QoS 1/2 messages a reconnecting persistent session is sent from its queue; 0 = the engine's default. */
  maxSessionDelivery: number;
  logger: Logger;
}

/**
 * Connects the three Redis connections (publish, subscribe, persistence). Returns at once;
 * ioredis connects and reconnects by itself, and commands wait while it does. Connection
 * errors are logged at debug level: the bridge's sequencer reports Redis outages loudly, once.
 */
export function createRedisBackends(opts: RedisBackendOptions): RedisBackends {
  const connect = (role: string): Redis => {
    const conn = new Redis(opts.url, { connectionName: `fleetwire-broker-${role}` });
    conn.on('error', (err: Error) => opts.logger.debug({ role, err: err.message }, 'redis connection error'));
    return conn;
  };
  const conns = [connect('pub'), connect('sub'), connect('persistence')] as const;
  const [pubConn, subConn, conn] = conns;
  // concurrency 0: no cap on messages in delivery, as for the local emitter (see index.ts).
  const mq = MQEmitterRedis({ pubConn, subConn, concurrency: 0 });
  // mqemitter-redis re-emits its connections' errors on `state`; unheard, one would end the process.
  (mq as unknown as { state: EventEmitter }).state.on('error', (err: Error) => opts.logger.debug({ err: err.message }, 'redis emitter error'));
  const persistence = new StreamingRedisPersistence({ conn, maxSessionDelivery: opts.maxSessionDelivery || 1000 });
  return {
    mq,
    persistence,
    ready: () => conns.every((c) => c.status === 'ready'),
    async close() {
      try {
        await persistence.destroy();
      } catch (err) {
        opts.logger.debug({ err }, 'redis persistence was not set up');
      }
      for (const c of conns) c.disconnect();
    },
  };
}
