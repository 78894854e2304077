/**
 * The sequencer's two Redis connections and what the node says about them. ioredis reconnects
 * by itself; this logs loudly once when Redis goes away and once when it is back, never per
 * retry, and tells whether both connections are up.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisLink {
  /** Scripts. Refuses commands at once while disconnected (no offline queue), so nothing waits without bound. */
  readonly cmd: Redis;
  /** Blocking stream reads; waits through reconnects and resends what was in flight. */
  readonly reader: Redis;
  up(): boolean;
  /** Resolves true when both connections are ready, or false after `ms` — the node then starts anyway, not ready. */
  whenUp(ms: number): Promise<boolean>;
  /** Calls `fn` each time the reader is (re)connected. */
  onReaderReady(fn: () => void): void;
  close(): void;
}

/** host:port of a Redis URL, never its password. */
export function redisTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '6379'}`;
}

export function createRedisLink(url: string, logger: Logger): RedisLink {
  const target = redisTarget(url);
  // Never resend a script after a reconnect: if the first run went through, the message would be
  // sequenced twice. An unanswered submit fails instead, and a device resends (at least once).
  const cmd = new Redis(url, { connectionName: 'fleetwire-seq', enableOfflineQueue: false, maxRetriesPerRequest: 1, autoResendUnfulfilledCommands: false });
  const reader = new Redis(url, { connectionName: 'fleetwire-stream', maxRetriesPerRequest: null });
  let state: 'unknown' | 'up' | 'down' = 'unknown';
  let closed = false;
  const went = (next: 'up' | 'down', detail: { err?: string } = {}): void => {
    if (closed || state === next) return;
    if (next === 'down') {
      logger.error({ redis: target, ...detail }, 'REDIS IS UNREACHABLE: this node refuses QoS 1/2 messages (devices resend them) and drops QoS 0 until it returns; /readyz answers 503');
    } else if (state === 'down') logger.warn({ redis: target }, 'Redis is reachable again: this node catches up and takes messages');
    else logger.info({ redis: target }, 'connected to Redis');
    state = next;
  };
  cmd.on('ready', () => went('up'));
  cmd.on('error', (err: Error) => went('down', { err: err.message }));
  cmd.on('close', () => went('down'));
  reader.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis stream reader error'));

  return {
    cmd,
    reader,
    up: () => !closed && cmd.status === 'ready' && reader.status === 'ready',
    whenUp(ms) {
      const both = (): boolean => cmd.status === 'ready' && reader.status === 'ready';
      if (both()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          cmd.off('ready', check);
          reader.off('ready', check);
          resolve(ok);
        };
        const check = (): void => {
          if (both()) done(true);
        };
        const timer = setTimeout(() => done(false), ms);
        cmd.on('ready', check);
        reader.on('ready', check);
      });
    },
    onReaderReady: (fn) => reader.on('ready', fn),
    close() {
      closed = true;
      cmd.disconnect();
      reader.disconnect();
    },
  };
}
