/**
 * The broker's ways in: MQTT over TCP, over TLS when a certificate is given, and over
 * WebSocket through an HTTP upgrade the caller's server hands over. Every connection is
 * counted against the connection limit and guarded (PacketGuard) before Aedes sees it.
 */
import type { IncomingMessage } from 'node:http';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { type TLSSocket, createServer as createTlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { refuseUpgrade } from '../http/respond.js';
import type { BrokerLimits } from './limits.js';
import { isLoopback } from './loopback.js';
import type { BrokerMetrics, Transport } from './metrics.js';
import { type ClientCertMode, certificateUser, clientCertOptions } from './client-certificate.js';
import { createBusyRefusal } from './busy-refusal.js';
import { PacketGuard, type PacketGuardOptions } from './packet-guard.js';
import { clientAddress } from '../http/client-address.js';
import { ProxyListener, forTls, proxiedAddress } from '../net/proxy-listener.js';

export interface ListenerOptions {
  host: string;
  /** MQTT over TCP; null: off. */
  port: number | null;
  tls: { port: number; cert: Buffer; key: Buffer; ca?: Buffer | undefined; clientCert: ClientCertMode } | undefined;
  limits: BrokerLimits;
  /** MQTT over TCP expects a PROXY protocol v1/v2 header first and takes the client's address from it. */
  proxyProtocol: boolean;
  /** The same for MQTT over TLS: the header comes before the TLS handshake. */
  tlsProxyProtocol: boolean;
  /** Anonymous access rests on loopback only: refuse WebSocket upgrades that arrive on any other address. */
  loopbackOnly: boolean;
  logger: Logger;
  metrics: BrokerMetrics;
  /** Hands a guarded connection to Aedes. */
  accept: (conn: Duplex, req: IncomingMessage | undefined) => void;
}

export interface Listeners {
  /** null: MQTT over TCP is off. */
  readonly mqttAddress: AddressInfo | null;
  readonly tlsAddress: AddressInfo | null;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Swaps the TLS listener's certificate and key (and client CA): new handshakes use them, open connections keep theirs. */
  setTls(files: { cert: Buffer; key: Buffer; ca?: Buffer | undefined }): void;
  /** Stops accepting, destroys every connection still open, and resolves once the servers have closed. */
  close(): Promise<void>;
}

/** Socket options for every MQTT server: Nagle off (it adds tens of ms to small packets on loopback), TCP keepalive on so dead peers of keepalive-0 clients are found. */
const SOCKET_OPTIONS = { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 } as const;

const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startListeners(opts: ListenerOptions): Promise<Listeners> {
  const { limits, logger, metrics } = opts;
  const open = new Set<Duplex>();
  let closing = false;

  // Built once per transport and shared by its connections: per connection, these closures and
  // prom-client's label children (each labels() call makes new bound functions) cost ~1 KB.
  const perTransport = <T>(make: (transport: Transport) => T): Record<Transport, T> => ({ tcp: make('tcp'), tls: make('tls'), ws: make('ws') });
  const guardOptions = perTransport((transport): PacketGuardOptions => {
    const bytesIn = metrics.bytesIn.tally({ transport });
    const bytesOut = metrics.bytesOut.tally({ transport });
    const readWaits = metrics.readWaits.labels({ transport });
    return {
      maxPacketSize: limits.maxPacketSize,
      maxBufferedBytes: limits.maxBufferedBytes,
      onBytesIn: (n) => bytesIn.inc(n),
      onBytesOut: (n) => bytesOut.inc(n),
      onReadWait: () => readWaits.inc(),
    };
  });
  /** 'close' listeners: a stream emits 'close' once. */
  const closed = perTransport((transport) =>
    function onConnectionClose(this: Duplex): void {
      open.delete(this);
      metrics.connections.dec({ transport });
    },
  );

  const refuseBusy = createBusyRefusal();
  const full = (): boolean => limits.maxConnections > 0 && open.size >= limits.maxConnections;

  const admit = (inner: Duplex, transport: Transport, remote: string, req?: IncomingMessage, certified: string | null = null): void => {
    if (closing) {
      inner.destroy();
      return;
    }
    if (full()) {
      metrics.rejects.inc({ reason: 'max_connections' });
      logger.warn({ remote, transport, limit: limits.maxConnections }, 'connection refused: maxConnections reached');
      refuseBusy(inner);
      return;
    }
    new PacketGuard(inner, remote, guardOptions[transport], certified); // guards `inner` in place: Aedes gets the stream itself
    open.add(inner);
    metrics.connections.inc({ transport });
    inner.on('close', closed[transport]);
    opts.accept(inner, req);
  };

  const proxyListener = (onConnection: (socket: Socket, address: string) => void): Server =>
    new ProxyListener({
      socketOptions: SOCKET_OPTIONS,
      timeoutMs: limits.connectTimeoutMs,
      onConnection,
      onBadHeader(socket, err) {
        metrics.rejects.inc({ reason: 'proxy_header' });
        logger.warn({ remote: socket.remoteAddress, err: err.message }, 'connection refused: bad PROXY protocol header');
        socket.destroy();
      },
    });
  const tcp = opts.proxyProtocol
    ? proxyListener((socket, address) => {
        admit(socket, 'tcp', address);
        socket.resume();
      })
    : createServer(SOCKET_OPTIONS, (socket: Socket) => admit(socket, 'tcp', socket.remoteAddress ?? 'unknown'));
  // A server that never listened closes at once (its close callback just gets ERR_SERVER_NOT_RUNNING).
  const mqttAddress = opts.port === null ? null : await listen(tcp, opts.port, opts.host);

  let tlsAddress: AddressInfo | null = null;
  const remoteOf = (socket: Socket): string => proxiedAddress(socket) ?? socket.remoteAddress ?? 'unknown';
  const clientCert = opts.tls?.clientCert ?? 'off';
  const secured = (socket: TLSSocket): void => {
    const certified = certificateUser(socket, clientCert);
    if ('refused' in certified) {
      metrics.rejects.inc({ reason: 'client_cert' });
      logger.warn({ remote: remoteOf(socket), err: certified.refused }, 'connection refused: bad client certificate');
      return void socket.destroy();
    }
    admit(socket, 'tls', remoteOf(socket), undefined, certified.name);
  };
  const tls = opts.tls ? createTlsServer({ ...SOCKET_OPTIONS, cert: opts.tls.cert, key: opts.tls.key, ...clientCertOptions(clientCert, opts.tls.ca), handshakeTimeout: limits.connectTimeoutMs }, secured) : null;
  // Behind a proxy the TLS server does not listen itself: the proxy listener hands it each connection once the header is read.
  const tlsFront = tls && opts.tlsProxyProtocol ? proxyListener((socket) => tls.emit('connection', forTls(socket))) : tls;
  if (tls && tlsFront && opts.tls) {
    tls.on('tlsClientError', (err, socket) => {
      metrics.rejects.inc({ reason: 'tls_handshake' });
      logger.warn({ remote: remoteOf(socket), err: err.message }, 'TLS handshake failed');
    });
    try {
      tlsAddress = await listen(tlsFront, opts.tls.port, opts.host);
    } catch (err) {
      await closeServer(tcp);
      throw err;
    }
  }

  // One MQTT packet per WebSocket message is what clients send; a message is buffered whole, so it gets the packet limit.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPacketSize,
    handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  return {
    mqttAddress,
    tlsAddress,
    handleUpgrade(req, socket, head) {
      const remote = clientAddress(req);
      if (closing) return refuseUpgrade(socket, 'not_ready', 'the broker is shutting down');
      if (opts.loopbackOnly && !isLoopback(req.socket.localAddress ?? '')) {
        metrics.rejects.inc({ reason: 'anonymous' });
        logger.warn({ remote, local: req.socket.localAddress }, 'MQTT over WebSocket refused: anonymous access is for loopback only and there is no users file');
        return refuseUpgrade(socket, 'forbidden', 'anonymous MQTT over WebSocket is for loopback only: this hub has no users file');
      }
      if (full()) {
        metrics.rejects.inc({ reason: 'max_connections' });
        logger.warn({ remote, transport: 'ws', limit: limits.maxConnections }, 'connection refused: maxConnections reached');
        return refuseUpgrade(socket, 'busy', `the broker serves as many MQTT connections as it may (${limits.maxConnections})`);
      }
      req.socket.setNoDelay(true);
      wss.handleUpgrade(req, socket, head, (ws) => admit(createWebSocketStream(ws), 'ws', remote, req));
    },
    setTls(files) {
      tls?.setSecureContext(files);
    },
    async close() {
      closing = true;
      const servers = [...new Set([tcp, tls, tlsFront])].filter((server) => server !== null);
      const closed = servers.map(closeServer);
      for (const server of servers) if (server instanceof ProxyListener) server.destroyConnections();
      for (const conn of open) conn.destroy();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await Promise.all(closed);
    },
  };
}
