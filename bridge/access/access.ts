/**
 * Browser access. With a users file every browser endpoint needs a login: the session cookie
 * (HttpOnly, SameSite=Strict; EventSource and WebSocket send it same-origin) or a bearer token.
 * `?access_token=` is taken only by the stream routes that declare they need it, those a
 * browser API opens without headers (EventSource, an iframe, a WebSocket): a token in a URL
 * ends up in logs and history, so it must not also open the routes that change things.
 * Viewers read, admins also send commands; device accounts are for MQTT only. Requests that
 * carry an Origin must come from this host or an allowed origin (http/request-origin.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { User, UserStore } from '../../auth/index.js';
import { type Result, fail, ok } from '../../protocol/errors.js';
import { type RequestCheck, originCheck } from '../../http/request-origin.js';
import { sendError } from '../../http/respond.js';
import type { Handler, Params, Route } from '../../http/router.js';
import { SUBSCRIBER_HEADER } from '../../protocol/names.js';
import type { Db } from '../../storage/database.js';
import { charge } from './rate-charge.js';
import { Sessions } from './sessions.js';

export type BrowserRole = 'viewer' | 'admin';

export const SESSION_COOKIE = 'fleetwire_session';

/** Who every request is when there is no users file (open access, loopback only). */
export const ANONYMOUS: User = { name: 'anonymous', role: 'admin' };

/** How a route takes its credentials. */
export interface GuardOptions {
  /** Also take `?access_token=`: only for what a browser opens without headers (EventSource, iframe, WebSocket). */
  urlToken?: boolean;
}

export type GuardedHandler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL, user: User) => void | Promise<void>;

export interface Access {
  readonly open: boolean;
  readonly users: UserStore | null;
  readonly sessions: Sessions;
  /** Why a request's Origin is refused, or null: no Origin, this host, or an allowed origin. */
  originProblem: RequestCheck;
  /** What a user who logged in earlier is now, after any reload of the users file; null when removed or its password changed. */
  current(user: User): User | null;
  /**
   * Checks a name and password for a browser (the login route, STOMP CONNECT). Failed attempts
   * are limited per client address, so guessing is slowed and a flood of scrypts cannot be bought.
   * Fails: unauthorized, forbidden (a device account), too_many, bad_request (open access).
   */
  login(name: string, password: string, address: string): Promise<Result<User>>;
  /** Checks origin, credentials and role, in that order. Fails with forbidden (403) or unauthorized (401). */
  check(req: IncomingMessage, url: URL, need: BrowserRole, options?: GuardOptions): Result<User>;
  /** A route handler that runs only for an allowed caller; cross-origin callers get CORS headers. */
  guard(need: BrowserRole, handler: GuardedHandler, options?: GuardOptions): Handler;
  /** Each route followed by an `OPTIONS` route per path answering CORS preflight for allowed origins (Fetch §3.2.2). */
  withPreflight(routes: Route[]): Route[];
}

export interface AccessOptions {
  users: UserStore | null;
  allowOrigins: readonly string[];
  maxSessions: number;
  maxSessionsPerUser: number;
  sessionTtlMs: number;
  /** Keeps login sessions in this database, so a restart logs no one out; none: in memory. */
  db?: Db;
}

/** Failed logins per client address per minute; past it every attempt is refused until the minute is up. */
const FAILED_LOGINS_PER_MINUTE = 10;

const ROLE_RANK: Record<User['role'], number> = { device: 0, viewer: 1, admin: 2 };

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const URL_TOKEN = 'access_token';

/** The session token a request carries in a header or cookie. */
export function tokenOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookie(req, SESSION_COOKIE);
}

export function createAccess(opts: AccessOptions): Access {
  const users = opts.users;
  const sessions = new Sessions({ max: opts.maxSessions, maxPerUser: opts.maxSessionsPerUser, ttlMs: opts.sessionTtlMs }, { db: opts.db, current: (name) => users?.get(name) });
  const allowed = new Set(opts.allowOrigins);
  const originProblem = originCheck(opts.allowOrigins);
  const attempts = new RateLimiterMemory({ points: FAILED_LOGINS_PER_MINUTE, duration: 60 });

  const login = async (name: string, password: string, address: string): Promise<Result<User>> => {
    if (opts.users === null) return fail('bad_request', 'this hub has no users file: access is open, no login needed');
    // Charged before the password check and refunded only when it succeeds: however many
    // attempts a client holds open at once, it gets at most FAILED_LOGINS_PER_MINUTE wrong
    // guesses (and scrypts) a minute.
    if (!(await charge(attempts, address))) return fail('too_many', `${FAILED_LOGINS_PER_MINUTE} failed logins a minute from this address; wait and try again`);
    const user = await opts.users.verify(name, password);
    if (!user) return fail('unauthorized', 'wrong name or password');
    await attempts.reward(address);
    if (user.role === 'device') return fail('forbidden', 'device accounts log in over MQTT, not in a browser');
    return ok(user);
  };

  /** Preflight: only an allowed origin may send the credentialed, non-simple requests that follow. */
  const preflight =
    (methods: string): Handler =>
    (req, res) => {
      const origin = req.headers.origin;
      if (origin === undefined || !allowed.has(origin)) return sendError(res, 'forbidden', 'cross-origin requests need their origin on the hub\'s allowed origin list');
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': methods,
        'access-control-allow-headers': `authorization, content-type, ${SUBSCRIBER_HEADER}`,
        'access-control-max-age': '600',
        vary: 'origin',
      });
      res.end();
    };

  const withPreflight = (routes: Route[]): Route[] => {
    const methods = new Map<string, Set<string>>();
    for (const route of routes) methods.set(route.path, (methods.get(route.path) ?? new Set()).add(route.method));
    return [...routes, ...[...methods].map(([path, set]): Route => ({ method: 'OPTIONS', path, handler: preflight([...set].join(', ')) }))];
  };

  const current = (user: User): User | null => (opts.users ? opts.users.revalidate(user) : user);

  const check = (req: IncomingMessage, url: URL, need: BrowserRole, options: GuardOptions = {}): Result<User> => {
    const problem = originProblem(req);
    if (problem) return fail('forbidden', problem);
    if (opts.users === null) return ok(ANONYMOUS);
    const token = tokenOf(req) ?? (options.urlToken ? url.searchParams.get(URL_TOKEN) ?? undefined : undefined);
    if (token === undefined && url.searchParams.has(URL_TOKEN)) {
      return fail('unauthorized', `${URL_TOKEN} is taken only by /events, /stream/iframe and WebSocket upgrades; send the session cookie or Authorization: Bearer here`);
    }
    const loggedIn = token === undefined ? undefined : sessions.user(token);
    // The users file may have been reloaded since the login: a removed user or a changed password ends the session.
    const user = loggedIn && current(loggedIn);
    if (!user) {
      if (loggedIn && token !== undefined) sessions.delete(token);
      return fail('unauthorized', 'log in first: POST /api/login, then send the session cookie or a bearer token');
    }
    if (ROLE_RANK[user.role] < ROLE_RANK[need]) return fail('forbidden', `this needs the ${need} role; ${user.name} is ${user.role}`);
    return ok(user);
  };

  return {
    open: opts.users === null,
    users: opts.users,
    originProblem,
    sessions,
    current,
    login,
    check,
    withPreflight,
    guard: (need, handler, options) => (req, res, params, url) => {
      const origin = req.headers.origin;
      if (origin !== undefined && allowed.has(origin)) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-allow-credentials', 'true');
        res.setHeader('vary', 'origin');
      }
      const who = check(req, url, need, options);
      if (!who.ok) return sendError(res, who.code, who.error);
      return handler(req, res, params, url, who.value);
    },
  };
}
