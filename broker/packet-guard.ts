/**
 * Sits between a client's socket (TCP, TLS or a WebSocket stream) and Aedes. It follows the
 * MQTT framing ([MQTT-2.2]: one header byte, a 1-4 byte remaining length, the body) and drops
 * the connection as soon as a header names a reserved packet type or carries a malformed length.
 * A header announcing a packet over the size limit is passed on alone, so Aedes can tell an
 * MQTT 5 client why (DISCONNECT 0x95 [MQTT-3.2.2-15]) before it closes; none of the body is
 * passed or buffered (Aedes' parser would otherwise hold the whole announced packet in memory).
 * It also drops a PUBLISH whose topic is not well-formed UTF-8 [MQTT-1.5.3-1], which the parser
 * would decode with U+FFFD in place of the bad bytes. Going out, it cuts off a client that lets
 * too many bytes pile up: Aedes keeps writing to a subscriber that stopped reading until
 * drainTimeout, whatever the rate. It also counts bytes, and holds the socket corked for the rest
 * of an event-loop turn once something is written, so every packet a turn makes for this client
 * (Aedes delivers each publish in a tick of its own) leaves in one write.
 */
import { Duplex } from 'node:stream';
import { UNSAFE_FILTER } from './prototype-safe.js';
import { TopicCheck } from './topic-check.js';

export type GuardReason = 'oversized' | 'malformed' | 'slow_consumer';

type WriteCallback = (error: Error | null | undefined) => void;

const PUBLISH = 3;
const PUBREL = 6;
const SUBSCRIBE = 8;
/** How long a closing connection may take to flush what was written to it. */
const FLUSH_GRACE_MS = 1_000;
/** How long Aedes has to answer an oversized header before the guard closes the connection itself. */
const OVERSIZED_GRACE_MS = 2_000;

export class PacketGuardError extends Error {
  constructor(
    readonly reason: GuardReason,
    message: string,
    /** Bytes of the chunk before the fault that may still be passed on. */
    readonly validBytes = 0,
  ) {
    super(message);
  }
}

/** Scans packet boundaries across chunks; `scan` returns an error for the first bad header or PUBLISH topic. */
export class FrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private topic: TopicCheck | null = null;
  /** Bytes of UNSAFE_FILTER matched so far in a SUBSCRIBE body. */
  private matched = 0;
  /** QoS 1 and QoS 2 PUBLISH headers, and PUBREL headers, seen so far: the inbound flow window. */
  readonly received = { qos1: 0, qos2: 0, released: 0 };

  constructor(private readonly maxPacketSize: number) {}

  scan(chunk: Buffer): PacketGuardError | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        const badTopic = this.topic?.add(chunk.subarray(i, i + take));
        if (badTopic) return new PacketGuardError('malformed', badTopic);
        if (this.type === SUBSCRIBE && this.namesUnsafeFilter(chunk, i, i + take)) {
          return new PacketGuardError('malformed', 'SUBSCRIBE to the filter __proto__');
        }
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
        if (type === PUBLISH) {
          const qos = (byte >> 1) & 3;
          if (qos === 1) this.received.qos1++;
          else if (qos === 2) this.received.qos2++;
        } else if (type === PUBREL) this.received.released++;
        this.state = 'length';
        this.type = type;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        this.matched = 0;
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
      if (total > this.maxPacketSize) return new PacketGuardError('oversized', `packet of ${total} bytes is over the ${this.maxPacketSize}-byte limit`, i);
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return null;
  }

  /** Looks for the length-prefixed string '__proto__' in body bytes [from, to), across chunks. */
  private namesUnsafeFilter(chunk: Buffer, from: number, to: number): boolean {
    for (let j = from; j < to; j++) {
      const byte = chunk[j];
      if (byte === UNSAFE_FILTER[this.matched]) this.matched++;
      else this.matched = byte === UNSAFE_FILTER[0] ? 1 : 0; // the pattern's first byte (0) occurs nowhere else in it
      if (this.matched === UNSAFE_FILTER.length) return true;
    }
    return false;
  }
}

export interface PacketGuardOptions {
  maxPacketSize: number;
  /** The client's address, for logs and per-address limits. */
  remote: string;
  /** The user a verified TLS client certificate names (client-certificate.ts); null or absent: none. */
  certificateUser?: string | null;
  /** Bytes that may wait to be sent to the client before it is cut off; 0 = unlimited. */
  maxBufferedBytes: number;
  onBytesIn: (n: number) => void;
  onBytesOut: (n: number) => void;
}

/**
 * A Duplex over `inner` that passes bytes through unchanged and destroys itself (and `inner`)
 * with a PacketGuardError on a bad header (after a grace for Aedes to answer an oversized one).
 * Backpressure holds both ways.
 */
export class PacketGuard extends Duplex {
  readonly scanner: FrameScanner;
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  /** Set once an oversized header was passed on: nothing more is read from the client. */
  private refusing = false;
  /** Where the first packet out (CONNACK) stands while its Session Present bit is to be set. */
  /** Edits waiting for the CONNACK: where in it the write has got to, and what to set. */
  private connack: { at: 'header' | 'length' | 'flags' | 'reason'; sessionPresent: boolean; reasonCode: number | null } | null = null;
  private flushOnClose = false;
  /** Set while `inner` is corked for this turn, until `releaseTurn` (setImmediate) uncorks it. */
  private corkedForTurn = false;
  /** Nothing has been written yet: the next write is the CONNACK. */
  private first = true;
  readonly remote: string;
  readonly certificateUser: string | null;

  constructor(
    readonly inner: Duplex,
    private readonly opts: PacketGuardOptions,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new FrameScanner(opts.maxPacketSize);
    this.remote = opts.remote;
    this.certificateUser = opts.certificateUser ?? null;
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
    if (this.refusing) return;
    const err = this.scanner.scan(chunk);
    if (!err) {
      if (!this.push(chunk)) this.inner.pause();
      return;
    }
    if (err.reason !== 'oversized') {
      this.destroy(err);
      return;
    }
    this.refusing = true;
    this.push(chunk.subarray(0, err.validBytes));
    setTimeout(() => this.destroy(err), OVERSIZED_GRACE_MS).unref();
  }

  /** The client speaks MQTT 5: its last packet (the reason for closing) is flushed before the close. */
  flushBeforeClose(): void {
    this.flushOnClose = true;
  }

  /** Sets Session Present [MQTT-3.2.2-2] on the CONNACK, which must not have been written yet. */
  setSessionPresent(): void {
    this.connack = { at: 'header', sessionPresent: true, reasonCode: null };
  }

  /**
   * Sets the Reason Code of an MQTT 5 client's refusing CONNACK (MQTT 5 §3.2.2.2), which must
   * not have been written yet: Aedes can only refuse with the codes that map from 3.1.1's.
   * A refusal has Session Present 0 [MQTT-3.2.2-6].
   */
  setConnackReason(reasonCode: number): void {
    this.connack = { at: 'header', sessionPresent: false, reasonCode };
  }

  /** The chunk, with the CONNACK's acknowledge flags and reason code set as asked. */
  private editConnack(chunk: Buffer): Buffer {
    const c = this.connack;
    if (!c) return chunk;
    let edited = chunk;
    const set = (i: number, byte: number): void => {
      if (edited === chunk) edited = Buffer.from(chunk); // mqtt-packet writes shared constant buffers
      edited[i] = byte;
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (c.at === 'header') {
        if (byte >> 4 !== 2) {
          this.connack = null; // not a CONNACK: nothing to edit
          return chunk;
        }
        c.at = 'length';
      } else if (c.at === 'length') {
        if (!(byte & 0x80)) c.at = 'flags';
      } else if (c.at === 'flags') {
        if (c.sessionPresent) set(i, byte | 0x01);
        if (c.reasonCode === null) {
          this.connack = null;
          return edited;
        }
        c.at = 'reason';
      } else {
        set(i, c.reasonCode as number);
        this.connack = null;
        return edited;
      }
    }
    return edited;
  }

  override write(chunk: Buffer | string, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (this.connack && Buffer.isBuffer(chunk)) chunk = this.editConnack(chunk);
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
    this._writev([{ chunk }], cb);
  }

  /** mqtt-packet corks around each packet, so a packet's pieces come here together; they join what this turn wrote before. */
  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    let bytes = 0;
    let flowing = true;
    this.corkForTurn();
    for (const { chunk } of chunks) {
      bytes += chunk.length;
      flowing = this.inner.write(chunk);
    }
    this.opts.onBytesOut(bytes);
    // The CONNACK leaves on its own: a client (MQTT.js' connectAsync) listens for messages once it
    // has handled it, so a resumed session's queue must come in a later read. A high-water mark's
    // worth is batch enough: it leaves now, so it can drain and the wait ends.
    if (this.first || !flowing) this.releaseTurn();
    this.first = false;
    if (flowing) cb();
    else this.pendingWrite = cb;
  }

  /**
   * Corks `inner` until setImmediate, which runs once this loop iteration's I/O callbacks and
   * their ticks are done: a PUBACK or PUBREC waits no longer than the iteration that made it.
   */
  private corkForTurn(): void {
    if (this.corkedForTurn) return;
    this.corkedForTurn = true;
    this.inner.cork();
    setImmediate(() => this.releaseTurn());
  }

  private releaseTurn(): void {
    if (!this.corkedForTurn) return;
    this.corkedForTurn = false;
    this.inner.uncork();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  /**
   * Aedes closes a connection with destroy() right after writing its last packet; for an MQTT 5
   * client that is a CONNACK or DISCONNECT carrying the reason, so bytes still queued are flushed
   * first, within a grace (flushBeforeClose).
   */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.pendingWrite = null;
    const inner = this.inner;
    // What this turn wrote (often the packet Aedes closes after, a refusing CONNACK) goes out first.
    this.releaseTurn();
    if (err || !this.flushOnClose || inner.writableLength === 0 || inner.destroyed) inner.destroy();
    else {
      inner.end(() => inner.destroy());
      setTimeout(() => inner.destroy(), FLUSH_GRACE_MS).unref();
    }
    cb(err);
  }
}
