/**
 * Sits between a client's socket (TCP, TLS or a WebSocket stream) and Aedes. It follows the
 * MQTT framing ([MQTT-2.2]: one header byte, a 1-4 byte remaining length, the body) and drops
 * the connection as soon as a header announces a packet over the size limit, names a reserved
 * packet type, or carries a malformed length, before any of the body is buffered (Aedes'
 * parser would otherwise hold the whole announced packet in memory). It also drops a PUBLISH
 * whose topic is not well-formed UTF-8 [MQTT-1.5.3-1], which the parser would decode with
 * U+FFFD in place of the bad bytes. Going out, it cuts off a
 * client that lets too many bytes pile up: Aedes keeps writing to a subscriber that stopped
 * reading until drainTimeout, whatever the rate. It also counts bytes.
 */
import { Duplex } from 'node:stream';
import { TopicCheck } from './topic-check.js';

export type GuardReason = 'oversized' | 'malformed' | 'slow_consumer';

type WriteCallback = (error: Error | null | undefined) => void;

const PUBLISH = 3;

export class PacketGuardError extends Error {
  constructor(
    readonly reason: GuardReason,
    message: string,
  ) {
    super(message);
  }
}

/** Scans packet boundaries across chunks; `scan` returns an error for the first bad header or PUBLISH topic. */
export class FrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private topic: TopicCheck | null = null;

  constructor(private readonly maxPacketSize: number) {}

  scan(chunk: Buffer): PacketGuardError | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        const badTopic = this.topic?.add(chunk.subarray(i, i + take));
        if (badTopic) return new PacketGuardError('malformed', badTopic);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 'type') {
        const type = byte >> 4;
        if (type === 0 || type === 15) return new PacketGuardError('malformed', `reserved packet type ${type}`); // [MQTT-2.2.1]
        this.topic = type === PUBLISH ? new TopicCheck() : null;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return new PacketGuardError('malformed', 'remaining length longer than 4 bytes'); // [MQTT-2.2.3]
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxPacketSize) return new PacketGuardError('oversized', `packet of ${total} bytes is over the ${this.maxPacketSize}-byte limit`);
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return null;
  }
}

export interface PacketGuardOptions {
  maxPacketSize: number;
  /** The client's address, for logs and per-address limits. */
  remote: string;
  /** Bytes that may wait to be sent to the client before it is cut off; 0 = unlimited. */
  maxBufferedBytes: number;
  onBytesIn: (n: number) => void;
  onBytesOut: (n: number) => void;
}

/**
 * A Duplex over `inner` that passes bytes through unchanged and destroys itself (and `inner`)
 * with a PacketGuardError on a bad header. Backpressure holds both ways.
 */
export class PacketGuard extends Duplex {
  private readonly scanner: FrameScanner;
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  readonly remote: string;

  constructor(
    readonly inner: Duplex,
    private readonly opts: PacketGuardOptions,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new FrameScanner(opts.maxPacketSize);
    this.remote = opts.remote;
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => this.destroy());
    inner.on('drain', () => {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb?.();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    this.opts.onBytesIn(chunk.length);
    const err = this.scanner.scan(chunk);
    if (err) {
      this.destroy(err);
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  override write(chunk: Buffer | string, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    const waiting = this.writableLength + this.inner.writableLength;
    if (this.opts.maxBufferedBytes > 0 && waiting > this.opts.maxBufferedBytes && !this.destroyed) {
      this.destroy(new PacketGuardError('slow_consumer', `${waiting} bytes wait to be sent, over the ${this.opts.maxBufferedBytes}-byte limit`));
      return false;
    }
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.opts.onBytesOut(chunk.length);
    if (this.inner.write(chunk)) cb();
    else this.pendingWrite = cb;
  }

  /** mqtt-packet corks around each packet; passing the pieces on corked makes one socket write of them. */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    let bytes = 0;
    let flowing = true;
    this.inner.cork();
    for (const { chunk } of chunks) {
      bytes += chunk.length;
      flowing = this.inner.write(chunk);
    }
    this.inner.uncork();
    this.opts.onBytesOut(bytes);
    if (flowing) cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.pendingWrite = null;
    this.inner.destroy();
    cb(err);
  }
}
