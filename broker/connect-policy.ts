/**
 * Who may connect, as Aedes' `preConnect` and `authenticate` steps. preConnect closes, without
 * a CONNACK, a CONNECT that breaks the protocol [MQTT-4.8.0-1]. The authenticate checks run in
 * the order listed in CONNECT_CHECKS; the first refusal answers with its CONNACK return code
 * [MQTT-3.2.2.3] and closes the connection. Nothing a stranger can send counts against a
 * device: the per-client-id connect limit is charged only once the login passed and the client
 * owns the id; failed logins count against their address. On success the client's user (null
 * when anonymous) is cached in `sessions`, so publishing and subscribing never verify a
 * password again.
 */
import type { Client, ConnectPacket } from 'aedes';
import type { Logger } from 'pino';
import type { User, UserStore } from '../auth/index.js';
import { KeyRateLimit } from './key-rate-limit.js';
import type { BrokerLimits } from './limits.js';
import type { BrokerMetrics, RejectReason } from './metrics.js';
import { guardOf } from './packet-guard.js';
import { clientMayPublish } from './publish-policy.js';
import { topicProblem } from './topic-rules.js';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
/** MQTT 3.1 caps client ids at 23 characters (Aedes checks that); fleetwire allows device ids of 64 on every version. */
export const MAX_CLIENT_ID_LENGTH = 64;

interface Refusal {
  returnCode: 2 | 3 | 4 | 5;
  reason: RejectReason | 'auth';
  message: string;
  /** The MQTT 5 Reason Code, where it says more than the one Aedes maps the return code to. */
  reasonCode?: number;
}

/** MQTT 5 §3.2.2.2 0x9F Connection rate exceeded: for the connect and failed-login rates (3.1.1: 3, server unavailable). */
const CONNECTION_RATE_EXCEEDED = 0x9f;

interface Attempt {
  client: Client;
  packet: ConnectPacket | undefined;
  username: string | undefined;
  password: Buffer | undefined;
  remote: string;
  /** The user a verified client certificate names; null: none. */
  certificateUser: string | null;
  /** Filled in by the credentials check. */
  user: User | null;
}

export interface ConnectPolicyOptions {
  users: UserStore | null;
  allowAnonymous: boolean;
  limits: BrokerLimits;
  sessions: WeakMap<Client, User | null>;
  logger: Logger;
  metrics: BrokerMetrics;
}

type AuthenticateDone = (error: (Error & { returnCode: number }) | null, success: boolean | null) => void;

export interface ConnectPolicy {
  preConnect(client: Client, packet: ConnectPacket, done: (error: Error | null, success: boolean) => void): void;
  authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: AuthenticateDone): void;
}

const refuse = (returnCode: Refusal['returnCode'], reason: Refusal['reason'], message: string, reasonCode?: number): Refusal => ({ returnCode, reason, message, reasonCode });

/** A limiter keyed by string, or null when the limit is 0 (off). */
function perMinute(points: number): KeyRateLimit | null {
  return points > 0 ? new KeyRateLimit(points, 60_000) : null;
}

export function createConnectPolicy(opts: ConnectPolicyOptions): ConnectPolicy {
  const { users, limits } = opts;
  const connects = perMinute(limits.connectsPerClientIdPerMinute);
  const loginFailures = perMinute(limits.authFailuresPerMinute);
  /** The CONNECT packet of each client being authenticated (Aedes passes it to preConnect only). */
  const pending = new WeakMap<Client, ConnectPacket>();

  async function connectRate(a: Attempt): Promise<Refusal | null> {
    if (!connects || connects.take(a.client.id)) return null;
    return refuse(SERVER_UNAVAILABLE, 'connect_rate', `client id connected more than ${limits.connectsPerClientIdPerMinute} times in a minute`, CONNECTION_RATE_EXCEEDED);
  }

  async function clientIdLength(a: Attempt): Promise<Refusal | null> {
    const length = a.client.id.length;
    return length > MAX_CLIENT_ID_LENGTH ? refuse(IDENTIFIER_REJECTED, 'client_id', `client id of ${length} characters is over the ${MAX_CLIENT_ID_LENGTH}-character limit`) : null;
  }

  /** 3.1.1 only: an MQTT 5 client is given the limit as Server Keep Alive instead (server-keep-alive.ts). */
  async function keepalive(a: Attempt): Promise<Refusal | null> {
    if (a.packet?.protocolVersion === 5) return null;
    const asked = a.packet?.keepalive ?? 0;
    if (limits.maxKeepaliveSeconds > 0 && asked > limits.maxKeepaliveSeconds) {
      return refuse(IDENTIFIER_REJECTED, 'keepalive', `keepalive ${asked} s is over the ${limits.maxKeepaliveSeconds} s limit`);
    }
    return null;
  }

  /** A verified certificate is the login: its CN must be a user, and an MQTT user name, if sent, must be that one. */
  function certificateLogin(a: Attempt, name: string, store: UserStore): Refusal | null {
    if (a.username !== undefined && a.username !== name) return refuse(BAD_CREDENTIALS, 'auth', `user name '${a.username}' is not '${name}', whom the client certificate names`);
    const user = store.get(name);
    if (!user) return refuse(NOT_AUTHORIZED, 'auth', `the client certificate names '${name}', who is not in the users file`);
    a.user = user;
    return null;
  }

  async function credentials(a: Attempt): Promise<Refusal | null> {
    if (users === null) return null; // no users file: anonymous, which createBroker allowed
    if (a.certificateUser !== null) return certificateLogin(a, a.certificateUser, users);
    if (a.username === undefined) {
      return opts.allowAnonymous ? null : refuse(NOT_AUTHORIZED, 'anonymous', 'anonymous clients are not allowed when there is a users file');
    }
    // Charged before the password check (it runs on the thread pool, so many may be under way at
    // once) and refunded when it passes: an address gets at most authFailuresPerMinute wrong
    // guesses, and scrypts, a minute however many CONNECTs it holds open.
    if (loginFailures && !loginFailures.take(a.remote)) {
      return refuse(SERVER_UNAVAILABLE, 'login_rate', `more than ${limits.authFailuresPerMinute} failed logins from this address in a minute`, CONNECTION_RATE_EXCEEDED);
    }
    const user = await users.verify(a.username, a.password?.toString('utf8') ?? '');
    if (!user) {
      opts.metrics.authFailures.inc();
      return refuse(BAD_CREDENTIALS, 'auth', `bad user name or password for '${a.username}'`);
    }
    loginFailures?.refund(a.remote);
    a.user = user;
    return null;
  }

  /**
   * A device's client id is its own: the device must use it, and no one else may, since a new
   * connection with an id takes over the old one's session and fires its will [MQTT-3.1.4-2].
   */
  async function clientIdOwner(a: Attempt): Promise<Refusal | null> {
    if (a.user?.role === 'device') {
      return a.client.id === a.user.name ? null : refuse(IDENTIFIER_REJECTED, 'client_id', `device '${a.user.name}' must connect with client id '${a.user.name}'`);
    }
    if (users?.get(a.client.id)?.role === 'device') {
      return refuse(IDENTIFIER_REJECTED, 'client_id', `client id '${a.client.id}' belongs to device '${a.client.id}'`);
    }
    return null;
  }

  /** A will is published on the client's behalf later, when nobody can refuse it any more: check it now. */
  async function will(a: Attempt): Promise<Refusal | null> {
    const topic = a.packet?.will?.topic;
    if (topic === undefined) return null;
    const problem = topicProblem(topic, limits.maxTopicLevels) ?? (clientMayPublish(a.user, topic, a.client.id) ? null : `may not publish on '${topic}'`);
    return problem ? refuse(NOT_AUTHORIZED, 'will_forbidden', `last will refused: ${problem}`) : null;
  }

  const CONNECT_CHECKS = [clientIdLength, keepalive, credentials, clientIdOwner, connectRate, will];

  async function check(a: Attempt): Promise<Refusal | null> {
    for (const step of CONNECT_CHECKS) {
      const refusal = await step(a);
      if (refusal) return refusal;
    }
    return null;
  }

  return {
    preConnect(client, packet, done) {
      // [MQTT-3.1.2-14]: Will QoS 3 is malformed; the parser passes it on.
      if (packet.will && (packet.will.qos as number) > 2) {
        opts.metrics.rejects.inc({ reason: 'malformed' });
        done(new Error('malformed CONNECT: will QoS 3 [MQTT-3.1.2-14]'), false);
        return;
      }
      pending.set(client, packet);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      const guard = guardOf(client.conn);
      const remote = guard?.remote ?? 'unknown';
      const attempt: Attempt = { client, packet: pending.get(client), username, password, remote, certificateUser: guard?.certificateUser ?? null, user: null };
      pending.delete(client);
      check(attempt).then(
        (refusal) => {
          if (!refusal) {
            opts.sessions.set(client, attempt.user);
            done(null, true);
            return;
          }
          if (refusal.reason !== 'auth') opts.metrics.rejects.inc({ reason: refusal.reason });
          if (refusal.reasonCode !== undefined && client.version === 5) guard?.setConnackReason(refusal.reasonCode);
          opts.logger.warn({ clientId: client.id, remote, username, reason: refusal.reason }, `connection refused: ${refusal.message}`);
          done(Object.assign(new Error(refusal.message), { returnCode: refusal.returnCode }), false);
        },
        (err: unknown) => {
          opts.logger.error({ err, clientId: client.id, remote }, 'connect check failed');
          done(Object.assign(new Error('server unavailable'), { returnCode: SERVER_UNAVAILABLE }), false);
        },
      );
    },
  };
}
