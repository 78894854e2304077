/**
 * The hub's one HTTP(S) port: routes from every part, and WebSocket upgrades for MQTT (/mqtt)
 * and the bridge (/ws). A handler that throws answers 500 and is logged; it never ends the process.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { sendError } from '../http/respond.js';
import { type Route, Router } from '../http/router.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** PEM certificate and key: serve HTTPS. */
  tls: { cert: Buffer; key: Buffer } | null;
  routes: Route[];
  /** path → handler for WebSocket upgrades; a path ending in `/*` takes every path under it */
  upgrades: Record<string, UpgradeHandler>;
  logger: Logger;
}

export interface HttpServer {
  readonly address: AddressInfo;
  readonly url: string;
  /** Swaps the HTTPS certificate and key for new connections (a reload); no-op over plain HTTP. */
  setTls(files: { cert: Buffer; key: Buffer }): void;
  close(): Promise<void>;
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const log = opts.logger.child({ part: 'http' });
  const router = new Router().add(...opts.routes);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    baseHeaders(res);
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

  const https = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : null;
  const server: Server = https ?? createHttpServer(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const second = path.indexOf('/', 1);
    const handler = opts.upgrades[path] ?? (second === -1 ? undefined : opts.upgrades[`${path.slice(0, second)}/*`]);
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      handler(req, socket, head);
    } catch (err) {
      log.error({ err, path }, 'upgrade handler failed');
      socket.destroy();
    }
  });
  server.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'bad HTTP request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    address,
    url: `${opts.tls ? 'https' : 'http'}://${host}:${address.port}`,
    setTls: (files) => https?.setSecureContext(files),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Streams (SSE, long polls, iframes) never end by themselves.
        server.closeAllConnections();
      }),
  };
}
