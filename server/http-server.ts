/**
 * The hub's one HTTP(S) port: routes from every part, and WebSocket upgrades for MQTT (/mqtt)
 * and the bridge (/ws). What every request shares is checked here, once: the connection caps
 * and timeouts (http-limits.ts), the Host a hub without users answers to, and the Origin of
 * every WebSocket upgrade (browsers apply no CORS to WebSockets). A handler that throws
 * answers 500 and is logged; it never ends the process. Every error is JSON.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { peerAddress, settleClientAddress } from '../http/client-address.js';
import { type RequestCheck, hostCheck, originCheck } from '../http/request-origin.js';
import type { TrustedProxies } from '../http/trusted-proxies.js';
import { ProxyListener, forTls } from '../net/proxy-listener.js';
import { rawError, refuseUpgrade, sendError } from '../http/respond.js';
import { type Endpoint, type Route, Router } from '../http/router.js';
import type { ErrorCode } from '../protocol/errors.js';
import { createConnectionGate } from './connection-gate.js';
import { type HttpLimits, resolveHttpLimits } from './http-limits.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** PEM certificate and key: serve HTTPS. */
  tls: { cert: Buffer; key: Buffer } | null;
  routes: Route[];
  /** path → handler for WebSocket upgrades; a path ending in `/*` takes every path under it */
  upgrades: Record<string, UpgradeHandler>;
  /** Origins besides the hub's own that WebSocket upgrades may come from. */
  allowOrigins: readonly string[];
  /** Host names answered besides loopback ones and IP literals, or 'any' (a hub with a users file). */
  allowHosts: readonly string[] | 'any';
  limits?: Partial<HttpLimits>;
  /** Every connection starts with a PROXY protocol v1/v2 header (before TLS over HTTPS); its address is the connection's client. */
  proxyProtocol?: boolean;
  /** Reverse proxies whose forwarding header names the client (http/trusted-proxies.ts); null: none. */
  trustProxy?: TrustedProxies | null;
  logger: Logger;
  /** Gets `fleetwire_http_connections` and `fleetwire_http_refused_total{reason}`. */
  metrics: Registry;
}

export interface HttpServer {
  readonly address: AddressInfo;
  /** The routes served and the WebSocket upgrade paths (as given in `upgrades`), in registration order. */
  readonly endpoints: { routes: Endpoint[]; upgrades: string[] };
  readonly url: string;
  /** Swaps the HTTPS certificate and key for new connections (a reload); no-op over plain HTTP. */
  setTls(files: { cert: Buffer; key: Buffer }): void;
  /** Takes no new connections; the open ones carry on, so streams can still be ended politely. */
  stopAccepting(): void;
  /** Stops accepting and ends every connection still open. */
  close(): Promise<void>;
}

/** ms a refused connection is kept after its answer, so the request it sent is read (not reset) and the answer arrives. */
const REFUSED_LINGER_MS = 1000;

const REFUSAL_WARN_INTERVAL_MS = 60_000;

/** What Node's parser reports on a bad request, as the contract's JSON errors. */
function clientErrorAnswer(code: string | undefined): [ErrorCode, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return ['headers_too_large', 'request headers are too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['request_timeout', 'the request did not arrive in time'];
  return ['bad_request', 'the request cannot be parsed as HTTP/1.1'];
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const log = opts.logger.child({ part: 'http' });
  const limits = resolveHttpLimits(opts.limits);
  const router = new Router().add(...opts.routes);
  const hostProblem: RequestCheck = hostCheck(opts.allowHosts);
  const originProblem: RequestCheck = originCheck(opts.allowOrigins);
  const gate = createConnectionGate(limits);
  const refused = new WeakSet<Duplex>();
  let warnedAt = -Infinity;
  const refusals = new Counter({ name: 'fleetwire_http_refused_total', help: 'HTTP connections and requests refused before any route, by error code', labelNames: ['reason'], registers: [opts.metrics] });
  new Gauge({ name: 'fleetwire_http_connections', help: 'Open HTTP connections, upgraded WebSockets included', registers: [opts.metrics], collect() { this.set(gate.size()); } });

  const trust = opts.trustProxy ?? null;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (refused.has(req.socket)) return; // already answered when it connected
    settleClientAddress(req, trust);
    baseHeaders(res);
    const badHost = hostProblem(req);
    if (badHost) return sendError(res, 'forbidden', badHost);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://hub');
    } catch {
      sendError(res, 'bad_request', 'the request URL cannot be parsed');
      return;
    }
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === null) return sendError(res, 'not_found', `no such endpoint: ${req.method} ${url.pathname}`);
    if (match === 'method') {
      res.setHeader('allow', router.allowed(url.pathname).join(', '));
      return sendError(res, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
    }
    Promise.resolve()
      .then(() => match.handler(req, res, match.params, url))
      .catch((err: unknown) => {
        log.error({ err, method: req.method, path: url.pathname }, 'request handler failed');
        sendError(res, 'internal', 'internal error: the hub logged it');
      });
  };

  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (default 30 s).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
  const https = opts.tls ? createHttpsServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key }, onRequest) : null;
  const server: Server = https ?? createHttpServer(serverOptions, onRequest);

  // For HTTPS this is the raw TCP socket, before the handshake: no plain answer is possible, it is just closed.
  server.on('connection', (socket: Socket) => {
    const refusal = gate.admit(socket);
    if (refusal === null) return;
    refused.add(socket);
    refusals.inc({ reason: refusal.code });
    // A flood refuses thousands a second: one warning a minute says it is happening, the metric says how much.
    const now = Date.now();
    if (now - warnedAt >= REFUSAL_WARN_INTERVAL_MS) {
      warnedAt = now;
      log.warn({ remote: peerAddress(socket), reason: refusal.code, open: gate.size(), limits: { total: limits.maxConnections, perAddress: limits.maxConnectionsPerAddress } }, 'HTTP connections refused: a connection cap is reached');
    }
    if (opts.tls) return void socket.destroy();
    socket.end(rawError(refusal.code, refusal.error));
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refused.has(req.socket)) return;
    settleClientAddress(req, trust);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const problem = hostProblem(req) ?? originProblem(req);
    if (problem) return refuseUpgrade(socket, 'forbidden', problem);
    const second = path.indexOf('/', 1);
    const handler = opts.upgrades[path] ?? (second === -1 ? undefined : opts.upgrades[`${path.slice(0, second)}/*`]);
    if (!handler) return refuseUpgrade(socket, 'not_found', `no WebSocket endpoint at ${path.slice(0, 100)}`);
    try {
      handler(req, socket, head);
    } catch (err) {
      log.error({ err, path }, 'upgrade handler failed');
      socket.destroy();
    }
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log.debug({ err: err.message, code: err.code }, 'bad HTTP request');
    // Node's own rule: answer only if no response has started on this socket.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
    const [code, error] = clientErrorAnswer(err.code);
    refusals.inc({ reason: code });
    socket.end(rawError(code, error));
  });

  // Behind a PROXY protocol balancer a plain TCP server listens, reads each header and hands the connection to the HTTP(S) server.
  const front: NetServer = opts.proxyProtocol
    ? new ProxyListener({
        socketOptions: {},
        timeoutMs: limits.headersTimeoutMs,
        onConnection(socket) {
          if (opts.tls) return void server.emit('connection', forTls(socket)); // the TLS socket reads on its own
          server.emit('connection', socket);
          socket.resume();
        },
        onBadHeader(socket, err) {
          refusals.inc({ reason: 'proxy_header' });
          log.warn({ remote: socket.remoteAddress, err: err.message }, 'HTTP connection refused: bad PROXY protocol header');
          socket.destroy();
        },
      })
    : server;
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(opts.port, opts.host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  const address = front.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const closeServer = (s: NetServer): Promise<void> => new Promise<void>((resolve) => s.close(() => resolve()));
  const stopAccepting = (): Promise<void> => (closing ??= Promise.all([...new Set([front, server])].map(closeServer)).then(() => undefined));
  return {
    address,
    endpoints: { routes: router.endpoints(), upgrades: Object.keys(opts.upgrades) },
    url: `${opts.tls ? 'https' : 'http'}://${host}:${address.port}`,
    setTls: (files) => https?.setSecureContext(files),
    stopAccepting: () => void stopAccepting(),
    close: async () => {
      const closed = stopAccepting();
      server.closeAllConnections();
      if (front instanceof ProxyListener) front.destroyConnections();
      await closed;
    },
  };
}
