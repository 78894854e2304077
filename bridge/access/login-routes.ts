/**
 * `POST /api/login`, `POST /api/logout`, `GET /api/session`. A login answers with the session
 * token and sets it as an HttpOnly, SameSite=Strict cookie (Secure over HTTPS). The password
 * check, with its limit on attempts per client address, is access.login; here successful
 * logins are limited per user, so one account cannot churn the session table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { clientAddress } from '../../http/client-address.js';
import { readJsonBody, sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import { type Access, SESSION_COOKIE, tokenOf } from './access.js';
import { charge } from './rate-charge.js';
import { API_PATHS } from '../../protocol/transports.js';

const MAX_LOGIN_BODY = 4096;

function setSessionCookie(req: IncomingMessage, res: ServerResponse, token: string, maxAgeS: number): void {
  const secure = (req.socket as TLSSocket).encrypted ? '; Secure' : '';
  res.setHeader('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`);
}

export function loginRoutes(access: Access, loginsPerUserPerMinute: number): Route[] {
  const logins = new RateLimiterMemory({ points: loginsPerUserPerMinute, duration: 60 });

  const login: Route['handler'] = async (req, res) => {
    const badOrigin = access.originProblem(req);
    if (badOrigin) return sendError(res, 'forbidden', badOrigin);
    if (access.users === null) return sendError(res, 'bad_request', 'this hub has no users file: access is open, no login needed');
    const body = await readJsonBody(req, MAX_LOGIN_BODY);
    if (!body.ok) return sendError(res, body.code, body.error);
    const { name, password } = (body.value ?? {}) as { name?: unknown; password?: unknown };
    if (typeof name !== 'string' || typeof password !== 'string') return sendError(res, 'bad_request', 'send {"name": "...", "password": "..."}');
    const who = await access.login(name, password, clientAddress(req));
    if (!who.ok) return sendError(res, who.code, who.error);
    const user = who.value;
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
