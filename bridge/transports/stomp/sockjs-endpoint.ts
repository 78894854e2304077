/**
 * `/sockjs`: the same STOMP sessions over SockJS (the `sockjs` package), for `new
 * SockJS('/sockjs')` plus `Stomp.over(socket)`. Only the websocket, xhr-streaming, xhr-polling
 * and eventsource transports are routed: the iframe and JSONP ones exist for cross-domain pages
 * on old browsers, and would load a script from elsewhere.
 *
 * SockJS hands its connections over without the request's cookies or Origin, so both are
 * checked here on every request first: a foreign Origin is refused (sockjs itself would
 * answer any origin with credentials allowed), and the credentials the first request of a
 * SockJS session shows log that session in; a later request of the session with another
 * user's credentials is refused. Request bodies are bounded before sockjs reads them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import sockjs from 'sockjs';
import type { User } from '../../../auth/index.js';
import { clientAddress } from '../../../http/client-address.js';
import { sendError } from '../../../http/respond.js';
import type { Route } from '../../../http/router.js';
import { TRANSPORT_PATHS } from '../../../protocol/transports.js';
import { refuseUpgrade } from '../../../http/respond.js';
import { upgradeUrl } from '../upgrade.js';
import { dispatch } from './stomp-dispatch.js';
import type { StompDeps } from './stomp-deps.js';
import { requestUser } from './stomp-endpoint.js';
import { StompSession } from './stomp-session.js';
import { sockjsSocket } from './stomp-socket.js';

/** The SockJS transports taken (their URL's last level); `websocket` comes as an upgrade. */
const TRANSPORTS = new Set(['xhr', 'xhr_send', 'xhr_streaming', 'eventsource', 'websocket']);
/** ms between SockJS's own heart-beat frames, and how long a session without a receiving request lives (the package's defaults). */
const SOCKJS_HEARTBEAT_MS = 25_000;
const SOCKJS_DISCONNECT_MS = 5_000;
/** Bytes an xhr-streaming response carries before the client opens a new one (the package's default). */
const RESPONSE_LIMIT = 128 * 1024;

export interface SockjsEndpoint {
  routes(): Route[];
  /** Upgrades under `/sockjs/`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

type SockjsHandler = (req: IncomingMessage, res: ServerResponse | Duplex, head?: Buffer) => boolean;

/** `/sockjs/{server}/{session}/{transport}` → the session id. */
const SOCKJS_PATH = TRANSPORT_PATHS.sockjs;
const SESSION_PATH = new RegExp(`^${SOCKJS_PATH}/[^/.]+/([^/.]+)/[a-z_]+$`);
const sessionOf = (path: string): string | null => SESSION_PATH.exec(path)?.[1] ?? null;

export function createSockjsEndpoint(deps: StompDeps): SockjsEndpoint {
  const log = deps.logger.child({ part: 'sockjs' });
  const server = sockjs.createServer({
    prefix: SOCKJS_PATH,
    heartbeat_delay: SOCKJS_HEARTBEAT_MS,
    disconnect_delay: SOCKJS_DISCONNECT_MS,
    response_limit: RESPONSE_LIMIT,
    log: (severity, line) => (severity === 'error' ? log.warn(line) : log.debug(line)),
    // faye-websocket's own cap is 64 MiB a message.
    faye_server_options: { maxLength: deps.limits.maxFrameBytes },
  } as sockjs.ServerOptions);
  // `middleware()` is sockjs's handler for both requests and upgrades (lib/sockjs.js); the type package leaves it out.
  const handler = (server as unknown as { middleware(): SockjsHandler }).middleware();
  /** SockJS session id → who its first request showed to be (null: CONNECT must log in), from where (http/client-address.ts: sockjs's own remoteAddress is the proxy's), and whether it became a connection. */
  const users = new Map<string, { user: User | null; address: string; connected: boolean }>();
  /** Forgets ids whose first request never became a connection (sockjs gives up on those after its disconnect delay). */
  const forgetStrays = (): void => {
    for (const [id, entry] of users) if (!entry.connected) users.delete(id);
  };
  const sessions = new Set<StompSession>();

  server.on('connection', (conn) => {
    if (!conn) return; // sockjs emits a connection it already closed as null
    const id = sessionOf(conn.pathname ?? '') ?? '';
    const entry = users.get(id) ?? { user: null, address: conn.remoteAddress ?? 'unknown', connected: true };
    entry.connected = true;
    const session = new StompSession(sockjsSocket(conn), deps, 'sockjs', entry.user, entry.address, dispatch);
    sessions.add(session);
    conn.on('data', (text: string) => session.receive(Buffer.from(text, 'utf8')));
    conn.on('close', () => {
      users.delete(id);
      sessions.delete(session);
      session.closed();
    });
  });

  /** Null when the request may go on to sockjs, else why not. */
  const admit = (req: IncomingMessage, url: URL): { code: 'forbidden' | 'too_large' | 'too_many'; error: string } | null => {
    const badOrigin = deps.access.originProblem(req);
    if (badOrigin) return { code: 'forbidden', error: badOrigin };
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] !== undefined || length > deps.limits.maxFrameBytes) return { code: 'too_large', error: `a SockJS request body is at most ${deps.limits.maxFrameBytes} bytes, with a content-length` };
    const id = sessionOf(url.pathname);
    if (id === null) return null;
    const user = requestUser(deps.access, req, url);
    const known = users.get(id);
    if (known === undefined) {
      if (sessions.size >= deps.limits.maxSubscribers) return { code: 'too_many', error: 'the hub serves as many connections as it may' };
      if (users.size >= deps.limits.maxSubscribers) forgetStrays();
      if (users.size >= deps.limits.maxSubscribers) return { code: 'too_many', error: 'the hub serves as many connections as it may' };
      users.set(id, { user, address: clientAddress(req), connected: false });
    } else if (known.user !== null && known.user.name !== user?.name) return { code: 'forbidden', error: 'this SockJS session belongs to another login' };
    return null;
  };

  const route: Route['handler'] = (req, res, params, url) => {
    if (params.transport !== undefined && !TRANSPORTS.has(params.transport)) return sendError(res, 'not_found', `SockJS transport ${params.transport} is not offered`);
    const refused = admit(req, url);
    if (refused) return sendError(res, refused.code, refused.error);
    handler(req, res);
  };

  return {
    routes: () =>
      (['GET', 'POST', 'OPTIONS'] as const).flatMap((method) => [
        { method, path: `${SOCKJS_PATH}/info`, handler: route },
        { method, path: `${SOCKJS_PATH}/:server/:session/:transport`, handler: route },
      ]),
    handleUpgrade(req, socket, head) {
      const url = upgradeUrl(req, socket);
      if (!url) return;
      if (!url.pathname.endsWith('/websocket') || sessionOf(url.pathname) === null) return refuseUpgrade(socket, 'not_found', 'SockJS websockets are at /sockjs/{server}/{session}/websocket');
      const refused = admit(req, url);
      if (refused) return refuseUpgrade(socket, refused.code, refused.error);
      handler(req, socket, head);
    },
    close() {
      for (const session of sessions) session.drop();
      sessions.clear();
      users.clear();
    },
  };
}
