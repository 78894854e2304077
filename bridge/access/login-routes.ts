/**
 * `POST /api/login`, `POST /api/logout`, `GET /api/session`. A login answers with the session
 * token and sets it as an HttpOnly, SameSite=Strict cookie (Secure over HTTPS).
 *
 * Two limits. Password checks per client address: each attempt is charged before its password
 * is checked and refunded only when it succeeds, so however many requests a client holds open at
 * once, it gets at most FAILED_LOGINS_PER_MINUTE wrong guesses (and scrypts) a minute.
 * Successful logins per user: one account cannot churn the session table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { readJsonBody, sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import { type Access, SESSION_COOKIE, tokenOf } from './access.js';
import { API_PATHS } from '../../protocol/transports.js';

/** Failed logins per client address per minute; past it every attempt gets 429 until the minute is up. */
const FAILED_LOGINS_PER_MINUTE = 10;
const MAX_LOGIN_BODY = 4096;

function setSessionCookie(req: IncomingMessage, res: ServerResponse, token: string, maxAgeS: number): void {
  const secure = (req.socket as TLSSocket).encrypted ? '; Secure' : '';
  res.setHeader('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`);
}

/** Takes one point for `key`; false when none is left (rate-limiter-flexible rejects with a RateLimiterRes then). */
async function charge(limiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}

export function loginRoutes(access: Access, loginsPerUserPerMinute: number): Route[] {
  const attempts = new RateLimiterMemory({ points: FAILED_LOGINS_PER_MINUTE, duration: 60 });
  const logins = new RateLimiterMemory({ points: loginsPerUserPerMinute, duration: 60 });

  const login: Route['handler'] = async (req, res) => {
    const badOrigin = access.originProblem(req);
    if (badOrigin) return sendError(res, 'forbidden', badOrigin);
    if (access.users === null) return sendError(res, 'bad_request', 'this hub has no users file: access is open, no login needed');
    const body = await readJsonBody(req, MAX_LOGIN_BODY);
    if (!body.ok) return sendError(res, body.code, body.error);
    const { name, password } = (body.value ?? {}) as { name?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string') return sendError(res, 'bad_request', 'send {"name": "...", "password": "..."}');
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!(await charge(attempts, address))) {
      return sendError(res, 'too_many', `${FAILED_LOGINS_PER_MINUTE} failed logins a minute from this address; wait and try again`);
    }
    const user = await access.users.verify(name, password);
    if (!user) return sendError(res, 'unauthorized', 'wrong name or password');
    await attempts.reward(address);
    if (user.role === 'device') return sendError(res, 'forbidden', 'device accounts log in over MQTT, not in a browser');
    if (!(await charge(logins, user.name))) return sendError(res, 'too_many', `${loginsPerUserPerMinute} logins a minute as ${user.name}; wait and try again`);
    const token = access.sessions.create(user);
    setSessionCookie(req, res, token, access.sessions.ttlSeconds);
    sendJson(res, 200, { name: user.name, role: user.role, token });
  };

  const logout: Route['handler'] = (req, res) => {
    const badOrigin = access.originProblem(req);
    if (badOrigin) return sendError(res, 'forbidden', badOrigin);
    const token = tokenOf(req);
    if (token !== undefined) access.sessions.delete(token);
    setSessionCookie(req, res, '', 0);
    sendJson(res, 200, { status: 'logged out' });
  };

  return [
    { method: 'POST', path: API_PATHS.login, handler: login },
    { method: 'POST', path: API_PATHS.logout, handler: logout },
    { method: 'GET', path: API_PATHS.session, handler: access.guard('viewer', (_req, res, _p, _u, user) => sendJson(res, 200, { name: user.name, role: user.role, open: access.open })) },
  ];
}
