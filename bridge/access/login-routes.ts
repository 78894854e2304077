/**
 * `POST /api/login`, `POST /api/logout`, `GET /api/session`. A login answers with the session
 * token and sets it as an HttpOnly, SameSite=Strict cookie (Secure over HTTPS). Failed attempts
 * are limited per client address: guessing is slowed, and a flood of scrypts cannot be bought.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { RateLimiterMemory } from 'rate-limiter-flexible';
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

export function loginRoutes(access: Access): Route[] {
  const limiter = new RateLimiterMemory({ points: FAILED_LOGINS_PER_MINUTE, duration: 60 });

  const login: Route['handler'] = async (req, res) => {
    const badOrigin = access.originProblem(req);
    if (badOrigin) return sendError(res, 'forbidden', badOrigin);
    if (access.users === null) return sendError(res, 'bad_request', 'this hub has no users file: access is open, no login needed');
    const address = req.socket.remoteAddress ?? 'unknown';
    const failures = await limiter.get(address);
    if (failures !== null && failures.remainingPoints <= 0) {
      return sendError(res, 'too_many', `${FAILED_LOGINS_PER_MINUTE} failed logins a minute from this address; wait and try again`);
    }
    const body = await readJsonBody(req, MAX_LOGIN_BODY);
    if (!body.ok) return sendError(res, body.code, body.error);
    const { name, password } = (body.value ?? {}) as { name?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string') return sendError(res, 'bad_request', 'send {"name": "...", "password": "..."}');
    const user = await access.users.verify(name, password);
    if (!user) {
      await limiter.penalty(address);
      return sendError(res, 'unauthorized', 'wrong name or password');
    }
    if (user.role === 'device') return sendError(res, 'forbidden', 'device accounts log in over MQTT, not in a browser');
    const token = access.sessions.create(user);
    setSessionCookie(req, res, token, access.sessions.ttlSeconds);
    sendJson(res, 200, { name: user.name, role: user.role, token });
  };

  const logout: Route['handler'] = (req, res, _params, url) => {
    const badOrigin = access.originProblem(req);
    if (badOrigin) return sendError(res, 'forbidden', badOrigin);
    const token = tokenOf(req, url);
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
