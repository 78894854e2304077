/**
 * A TCP server whose every connection starts with a PROXY protocol header (proxy-protocol.ts),
 * in front of the server that speaks the real protocol: MQTT, TLS or HTTP(S). The header is read
 * off first, the client's address is remembered for the connection, and the connection is handed
 * on with every byte after the header.
 */
import { Server, type ServerOpts, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { readProxyHeader } from './proxy-protocol.js';

export interface ProxyListenerOptions {
  socketOptions: ServerOpts;
  /** ms the header has to arrive in. */
  timeoutMs: number;
  /** Takes a connection whose header is in; `address` is the client's (the socket's own after a LOCAL or UNKNOWN header). */
  onConnection(socket: Socket, address: string): void;
  onBadHeader(socket: Socket, err: Error): void;
}

/** Connections (or streams over them) → the client address their PROXY header gave. */
const proxied = new WeakMap<object, string>();

type Wrapped = { _parent?: object | null; _handle?: { _parentWrap?: { stream?: object } } | null };

/**
 * The address a PROXY header gave for `socket`, or for the connection a TLS socket runs over;
 * undefined: the connection had none. Node keeps a TLS socket's net.Socket as `_parent`, and a
 * stream that is no net.Socket as the `stream` of the JSStreamSocket behind its handle
 * (`_handle._parentWrap`); the answer is kept on the TLS socket, so it holds after the handle is gone.
 */
export function proxiedAddress(socket: object): string | undefined {
  const own = proxied.get(socket);
  if (own !== undefined) return own;
  const { _parent: parent, _handle: handle } = socket as Wrapped;
  for (const candidate of [parent, handle?._parentWrap?.stream]) {
    const address = candidate ? proxied.get(candidate) : undefined;
    if (address !== undefined) {
      proxied.set(socket, address);
      return address;
    }
  }
  return undefined;
}

/** The TCP server; close() waits for its connections, as any net.Server's, and destroyConnections() ends them. */
export class ProxyListener extends Server {
  /** Every connection accepted, before its header and after it was handed on, until it closes. */
  private readonly sockets = new Set<Socket>();

  constructor(opts: ProxyListenerOptions) {
    super(opts.socketOptions, (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      readProxyHeader(socket, opts.timeoutMs).then(
        (source) => {
          const address = source ?? socket.remoteAddress ?? 'unknown';
          proxied.set(socket, address);
          opts.onConnection(socket, address);
        },
        (err: Error) => opts.onBadHeader(socket, err),
      );
    });
  }

  /** Ends every connection still open, those still waiting for their header included. */
  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** A stream over a socket that first yields what the socket has buffered (the bytes read with the header). */
class BufferedSocketStream extends Duplex {
  constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('close', () => this.destroy());
    socket.once('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, done);
  }

  override _final(done: () => void): void {
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}

/**
 * The connection to give a TLS server (`server.emit('connection', …)`). A TLS socket reads a
 * net.Socket's handle directly and would miss bytes already read into the socket's stream (a
 * ClientHello that came in one segment with the header): those go through a stream instead.
 */
export function forTls(socket: Socket): Duplex {
  if (socket.readableLength === 0) return socket;
  const stream = new BufferedSocketStream(socket);
  const address = proxied.get(socket);
  if (address !== undefined) proxied.set(stream, address);
  return stream;
}
