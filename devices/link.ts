/**
 * One device's MQTT connection: a lean MQTT session per connection attempt (session.ts),
 * reconnect with backoff and jitter (a fixed period would bring a dropped fleet back in
 * lock-step), and a bounded outbox so QoS 1 messages survive outages.
 */
import type { Logger } from 'pino';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { ConnectGate } from './connect-gate.js';
import { type FleetTally, type Outgoing, Outbox } from './outbox.js';
import type { Rng } from './random.js';
import type { Scheduler, Task } from './scheduler.js';
import { RefusedError, Session } from './session.js';

export interface LinkOptions {
  url: string;
  /** Client id, also the device id: the hub's ACL requires they match the user name. */
  clientId: string;
  credentials?: { username: string; password: string };
  /** The last will, published retained by the broker when the connection dies uncleanly. */
  will: Outgoing;
  /** The filters the device subscribes to on every connection (its commands; with HA discovery also HA's). */
  subscriptions: string[];
  /** s, MQTT keepalive; 0 disables pings. */
  keepaliveS: number;
  /** ms to wait for CONNACK. */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  /** Most QoS 1 messages kept while offline or unacked. */
  bufferLimit: number;
  /** Most messages awaiting PUBACK at once. */
  maxInflight: number;
  rng: Rng;
  scheduler: Scheduler;
  gate: ConnectGate;
  /** The fleet's logger: one child per device would cost memory at ten thousand devices. */
  logger: Logger;
  /** The fleet's totals, shared by every link. */
  tally: FleetTally;
  hooks: LinkHooks;
}

export interface LinkHooks {
  /** What to publish first on every connection, birth status first (the rest: other retained state). */
  greeting(): Outgoing[];
  /** A connection was established: the broker accepted its CONNECT. */
  onUp(): void;
  /** The broker acked the birth status of a connection. */
  onBorn(): void;
  onMessage(topic: string, payload: Buffer): void;
  /** A connection attempt failed or an established one ended. */
  onDown(wasOnline: boolean): void;
  /** The broker refused the connection (bad credentials, not authorised, …). */
  onRefused(err: Error): void;
  onSent(msg: Outgoing): void;
  onOverflow(dropped: number): void;
}

export interface Link {
  readonly online: boolean;
  /** Messages queued or in flight. */
  readonly buffered: number;
  start(): void;
  /**
   * Queues a QoS 1 publish; it waits while offline and is resent after a reconnect until acked.
   * Retained messages are not queued while offline: the greeting carries the current state.
   */
  send(msg: Outgoing): void;
  /** Cuts the connection without DISCONNECT (the broker publishes the will). `hold` keeps it down until resume(). */
  cut(hold: boolean): void;
  resume(): void;
  /** Publishes `farewell`, disconnects cleanly and connects again after `downMs`. */
  reboot(downMs: number, farewell: Outgoing): void;
  /** Publishes `farewell` if online, disconnects cleanly; settles within a couple of seconds even with a dead broker. */
  close(farewell: Outgoing): Promise<void>;
}

const CLOSE_GRACE_MS = 2000;

export function createLink(o: LinkOptions): Link {
  const outbox = new Outbox(o.bufferLimit, o.hooks.onOverflow, o.tally);
  let client: Session | null = null;
  const url = new URL(o.url);
  let gen = 0;
  let online = false;
  let attempt = 0;
  let held = false;
  let closing = false;
  let connecting = false;
  let nextDelayMs: number | null = null;
  let retry: Task | null = null;

  const connect = async (): Promise<void> => {
    retry = null;
    if (closing || held || connecting || client) return;
    connecting = true;
    let release: () => void;
    try {
      release = await o.gate.acquire();
    } catch {
      connecting = false;
      return;
    }
    connecting = false;
    if (closing || held) {
      release();
      return;
    }
    const myGen = ++gen;
    let c: Session;
    try {
      c = new Session({
        url,
        clientId: o.clientId,
        ...(o.credentials ? { credentials: o.credentials } : {}),
        keepaliveS: o.keepaliveS,
        connectTimeoutMs: o.connectTimeoutMs,
        will: o.will,
      });
    } catch (err) {
      release();
      o.logger.error({ device: o.clientId, err: (err as Error).message }, 'cannot create an MQTT client');
      retryLater();
      return;
    }
    client = c;
    c.on('connect', () => {
      release();
      if (myGen !== gen) return;
      online = true;
      o.tally.online++;
      attempt = 0;
      o.hooks.onUp();
      c.subscribe(o.subscriptions, (granted) => {
        if (granted.some((g) => g > 2)) o.logger.warn({ device: o.clientId, granted }, 'command subscription refused');
      });
      const [birth, ...rest] = o.hooks.greeting();
      if (birth) {
        c.publish(birth.topic, birth.payload, birth.retain, () => {
          if (myGen === gen) o.hooks.onBorn();
        });
      }
      for (const msg of rest) c.publish(msg.topic, msg.payload, msg.retain);
      flush();
    });
    c.on('message', (topic, payload) => {
      if (myGen === gen) o.hooks.onMessage(topic, payload);
    });
    c.on('error', (err) => {
      if (myGen !== gen) return;
      if (err instanceof RefusedError) o.hooks.onRefused(err);
      else o.logger.debug({ device: o.clientId, err: err.message }, 'connection error');
    });
    c.on('close', () => {
      release();
      down(myGen);
    });
  };

  /** Forgets connection `myGen` (stale callbacks are ignored by generation) and plans the next one. */
  const down = (myGen: number): void => {
    if (myGen !== gen || !client) return;
    gen++;
    const c = client;
    client = null;
    c.removeAllListeners();
    c.on('error', () => {});
    c.end(true);
    const wasOnline = online;
    online = false;
    if (wasOnline) o.tally.online--;
    outbox.requeueInflight();
    o.hooks.onDown(wasOnline);
    if (!closing && !held) retryLater();
  };

  const retryLater = (): void => {
    const delay = nextDelayMs ?? backoffDelay(attempt++, o.backoff, o.rng);
    nextDelayMs = null;
    retry = o.scheduler.after(delay, () => void connect());
  };

  const flush = (): void => {
    const c = client;
    if (!online || !c) return;
    const myGen = gen;
    while (outbox.inFlight < o.maxInflight) {
      const msg = outbox.take();
      if (!msg) return;
      // Unacked when the connection goes: `down` requeues what is in flight.
      c.publish(msg.topic, msg.payload, msg.retain, () => {
        if (myGen !== gen) return;
        outbox.settle(msg);
        o.hooks.onSent(msg);
        flush();
      });
    }
  };

  const disconnect = (farewell: Outgoing): Promise<void> =>
    new Promise((resolve) => {
      const c = client;
      if (!c || !online) {
        if (c) down(gen);
        resolve();
        return;
      }
      const myGen = gen;
      // `down` drops the listeners of the client it forgets, so the timeout resolves itself.
      const force = setTimeout(() => {
        down(myGen);
        resolve();
      }, CLOSE_GRACE_MS);
      c.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      c.publish(farewell.topic, farewell.payload, farewell.retain, () => c.end(false));
    });

  return {
    get online() {
      return online;
    },
    get buffered() {
      return outbox.queued + outbox.inFlight;
    },
    start: () => void connect(),
    send: (msg) => {
      if (closing || (msg.retain && !online)) return;
      outbox.push(msg);
      flush();
    },
    cut: (hold) => {
      held = held || hold;
      if (client) down(gen);
    },
    resume: () => {
      if (!held) return;
      held = false;
      if (!client && !retry && !connecting) retry = o.scheduler.after(backoffDelay(0, o.backoff, o.rng), () => void connect());
    },
    reboot: (downMs, farewell) => {
      if (online) nextDelayMs = downMs;
      void disconnect(farewell);
    },
    close: async (farewell) => {
      closing = true;
      retry?.cancel();
      retry = null;
      await disconnect(farewell);
      outbox.clear();
    },
  };
}
