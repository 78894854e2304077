/**
 * One MQTT 3.1.1 connection of a simulated device, with only what a device does on it: CONNECT
 * with a last will, SUBSCRIBE, QoS 1 PUBLISH acked by PUBACK, incoming QoS 0 and 1 PUBLISH,
 * PINGREQ, DISCONNECT. Not mqtt.js, for its cost at fleet scale: per QoS 1 publish it spreads
 * options, keeps a store entry and runs the PUBACK through a readable-stream pipe and a
 * BufferList parser that formats debug calls; at 10,000 devices that was over a third of the
 * fleet's CPU (`npm run bench -- fleet --cpu-prof`). Here a publish is one Buffer and one
 * write, and a PUBACK is four bytes read where they landed.
 *
 * Transports: mqtt:/tcp: (TCP), mqtts:/tls: (TLS, certificate checked), ws:/wss: (WebSocket
 * with subprotocol `mqtt`, MQTT 3.1.1 §6).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { WebSocket, createWebSocketStream } from 'ws';

export interface SessionOptions {
  url: URL;
  clientId: string;
  credentials?: { username: string; password: string };
  /** s; 0 disables pings. */
  keepaliveS: number;
  /** ms to wait for CONNACK. */
  connectTimeoutMs: number;
  /** Published QoS 1 by the broker when the connection dies uncleanly. */
  will: { topic: string; payload: string; retain: boolean };
}

/** The broker refused the connection; `code` is the CONNACK return code (MQTT 3.1.1 §3.2.2.3). */
export class RefusedError extends Error {
  constructor(readonly code: number) {
    super(`Connection refused: ${REFUSALS[code] ?? `return code ${code}`}`);
  }
}

const REFUSALS: Record<number, string> = {
  1: 'Unacceptable protocol version',
  2: 'Identifier rejected',
  3: 'Server unavailable',
  4: 'Bad username or password',
  5: 'Not authorized',
};

interface SessionEvents {
  connect: [];
  message: [topic: string, payload: Buffer];
  error: [err: Error];
  close: [];
}

// Control packet types (MQTT 3.1.1 §2.2.1).
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBACK = 9;
const PINGRESP = 13;
const PINGREQ_PACKET = Buffer.from([0xc0, 0]);
const DISCONNECT_PACKET = Buffer.from([0xe0, 0]);
const noop = (): void => {};

/**
 * Where every TCP session reads into: `onread` hands bytes straight to the session, with no
 * Buffer per read and no readable-stream push. A read is handled before the next one starts, and
 * whatever outlives it (a split packet, a message payload) is copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Opens the transport; `onData` gets each read as the first `length` bytes of `buf`. */
function openStream(url: URL, onData: (buf: Buffer, length: number) => void): Duplex {
  // WHATWG URLs keep the brackets of an IPv6 host.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = (fallback: number): number => (url.port ? Number(url.port) : fallback);
  const withData = (stream: Duplex): Duplex => stream.on('data', (chunk: Buffer) => onData(chunk, chunk.length));
  const onRead = (length: number): boolean => {
    onData(READ_BUFFER, length);
    return true; // false would pause the socket
  };
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return net.connect({ host, port: port(1883), onread: { buffer: READ_BUFFER, callback: onRead } });
    case 'mqtts:':
    case 'tls:':
      // SNI takes a host name, never an address (RFC 6066 §3).
      return withData(tls.connect({ host, port: port(8883), ...(net.isIP(host) ? {} : { servername: host }) }));
    case 'ws:':
    case 'wss:':
      return withData(createWebSocketStream(new WebSocket(url, 'mqtt')));
    default:
      throw new Error(`unsupported broker protocol '${url.protocol}'`);
  }
}

/** Writes the remaining length (MQTT 3.1.1 §2.2.3) at `at`; returns where the next field starts. */
function writeLength(buf: Buffer, at: number, length: number): number {
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 128;
    buf[at++] = byte;
  } while (length > 0);
  return at;
}

const lengthBytes = (length: number): number => (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4);

export class Session extends EventEmitter<SessionEvents> {
  private readonly stream: Duplex;
  /** PUBACK and SUBACK waiters by packet id; they get the packet's body as `buf` from `start` to `end`. */
  private readonly acks = new Map<number, (buf: Buffer, start: number, end: number) => void>();
  private lastId = 0;
  /** The start of a packet split across reads. */
  private partial: Buffer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  /** Our own flag, not `stream.writable`: that getter cost 3 % of the fleet's CPU at one call per publish. */
  private writable = true;
  private closed = false;

  constructor(private readonly o: SessionOptions) {
    super();
    this.stream = openStream(o.url, (buf, length) => this.read(buf, length));
    this.stream.on('error', (err) => this.emit('error', err));
    this.stream.on('close', () => this.onClose());
    this.timer = setTimeout(() => this.fail(new Error('connack timeout')), o.connectTimeoutMs);
    const user = o.credentials ?? { username: decodeURIComponent(o.url.username), password: decodeURIComponent(o.url.password) };
    this.stream.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: o.clientId,
        keepalive: o.keepaliveS,
        will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: o.will.retain },
        ...(user.username ? { username: user.username } : {}),
        ...(user.password ? { password: Buffer.from(user.password) } : {}),
      }),
    );
  }

  /** QoS 1 PUBLISH; `onAck` runs on its PUBACK, never if the connection goes first. */
  publish(topic: string, payload: string, retain: boolean, onAck: () => void = noop): void {
    if (!this.writable) return;
    const id = this.nextId();
    const topicBytes = Buffer.byteLength(topic);
    const remaining = 2 + topicBytes + 2 + Buffer.byteLength(payload);
    const buf = Buffer.allocUnsafe(1 + lengthBytes(remaining) + remaining);
    buf[0] = (PUBLISH << 4) | 0b0010 | (retain ? 1 : 0);
    let at = writeLength(buf, 1, remaining);
    at = buf.writeUInt16BE(topicBytes, at);
    at += buf.write(topic, at);
    at = buf.writeUInt16BE(id, at);
    buf.write(payload, at);
    this.acks.set(id, onAck);
    this.stream.write(buf);
  }

  /** SUBSCRIBE at QoS 1; `onGranted` gets the return code of each filter (0x80: refused). */
  subscribe(filters: string[], onGranted: (granted: number[]) => void): void {
    if (!this.writable) return;
    const id = this.nextId();
    this.acks.set(id, (buf, start, end) => onGranted([...buf.subarray(start + 2, end)]));
    this.stream.write(mqttPacket.generate({ cmd: 'subscribe', messageId: id, subscriptions: filters.map((topic) => ({ topic, qos: 1 })) }));
  }

  /** Closes the connection: with DISCONNECT (the will is discarded), or `force`d without (the broker publishes the will). */
  end(force: boolean): void {
    const graceful = this.writable && !force;
    this.writable = false;
    if (graceful) this.stream.end(DISCONNECT_PACKET);
    else this.stream.destroy();
  }

  private nextId(): number {
    // Ids in use stay few (the link bounds what is in flight), so this finds a free one at once.
    do this.lastId = (this.lastId % 65_535) + 1;
    while (this.acks.has(this.lastId));
    return this.lastId;
  }

  /** Handles the first `length` bytes of `chunk`, which may be reused once this returns. */
  private read(chunk: Buffer, length: number): void {
    const buf = this.partial ? Buffer.concat([this.partial, chunk.subarray(0, length)]) : chunk;
    const end = this.partial ? buf.length : length;
    this.partial = null;
    let at = 0;
    while (at < end) {
      let remaining = 0;
      let i = at + 1;
      for (let shift = 1; ; shift *= 128) {
        if (shift > 128 ** 3) return this.fail(new Error('malformed remaining length'));
        if (i >= end) {
          this.partial = Buffer.from(buf.subarray(at, end));
          return;
        }
        const byte = buf[i++] as number;
        remaining += (byte & 127) * shift;
        if (byte < 128) break;
      }
      if (i + remaining > end) break;
      this.packet(buf, at, i, i + remaining);
      if (this.stream.destroyed) return;
      at = i + remaining;
    }
    if (at < end) this.partial = Buffer.from(buf.subarray(at, end));
  }

  /** Handles the packet whose fixed header starts at `at` and whose body runs from `start` to `end`. */
  private packet(buf: Buffer, at: number, start: number, end: number): void {
    const first = buf[at] as number;
    switch (first >> 4) {
      case CONNACK: {
        const code = end - start < 2 ? 0 : (buf[start + 1] as number);
        if (code !== 0) return this.fail(new RefusedError(code));
        if (this.timer) clearTimeout(this.timer);
        this.timer = this.o.keepaliveS > 0 ? setInterval(() => this.ping(), this.o.keepaliveS * 1000) : null;
        this.emit('connect');
        return;
      }
      case PUBACK:
      case SUBACK: {
        const id = buf.readUInt16BE(start);
        const waiter = this.acks.get(id);
        if (!waiter) return;
        this.acks.delete(id);
        waiter(buf, start, end);
        return;
      }
      case PUBLISH: {
        // Every subscription is QoS 1, so the broker sends at most QoS 1 (MQTT 3.1.1 §3.8.4).
        const qos = (first >> 1) & 3;
        const topicEnd = start + 2 + buf.readUInt16BE(start);
        const topic = buf.toString('utf8', start + 2, topicEnd);
        const payload = Buffer.from(buf.subarray(qos > 0 ? topicEnd + 2 : topicEnd, end));
        if (qos === 1 && this.writable) this.stream.write(Buffer.from([PUBACK << 4, 2, buf[topicEnd] as number, buf[topicEnd + 1] as number]));
        this.emit('message', topic, payload);
        return;
      }
      case PINGRESP:
        this.awaitingPong = false;
        return;
    }
  }

  private ping(): void {
    if (this.awaitingPong) return this.fail(new Error('keepalive timeout'));
    if (!this.writable) return;
    this.awaitingPong = true;
    this.stream.write(PINGREQ_PACKET);
  }

  private fail(err: Error): void {
    if (this.stream.destroyed) return;
    this.writable = false;
    this.emit('error', err);
    this.stream.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.writable = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.acks.clear();
    this.emit('close');
  }
}
