/**
 * Stands in front of a client's stream (TCP, TLS or WebSocket) as Aedes reads and writes it. It follows the
 * MQTT framing ([MQTT-2.2]: one header byte, a 1-4 byte remaining length, the body) and drops
 * the connection as soon as a header names a reserved packet type or carries a malformed length.
 * A header announcing a packet over the size limit is passed on alone, so Aedes can tell an
 * MQTT 5 client why (DISCONNECT 0x95 [MQTT-3.2.2-15]) before it closes; none of the body is
 * passed or buffered (Aedes' parser would otherwise hold the whole announced packet in memory).
 * It also drops a PUBLISH whose topic is not well-formed UTF-8 [MQTT-1.5.3-1], which the parser
 * would decode with U+FFFD in place of the bad bytes. What it passes on comes within the
 * process's read budget per event-loop iteration (read-budget.ts). Going out, it cuts off a
 * client that lets too many bytes pile up: Aedes keeps writing to a subscriber that stopped
 * reading until drainTimeout, whatever the rate. It also counts bytes, and holds the socket
 * corked for the rest of an event-loop turn once something is written, so every packet a turn
 * makes for this client (Aedes delivers each publish in a tick of its own) leaves in one write.
 */
import type { Duplex } from 'node:stream';
import { UNSAFE_FILTER } from './prototype-safe.js';
import { type WaitingReader, takeReadBudget, waitForReadBudget } from './read-budget.js';
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
  private readonly topicCheck = new TopicCheck();
  /** The topic check while a PUBLISH body is read, else null. */
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
        const badTopic = this.topic?.add(chunk, i, i + take);
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
        this.topic = type === PUBLISH ? this.topicCheck : null;
        this.topic?.reset();
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

/** What every guard of one listener shares: one object per transport, not per connection. */
export interface PacketGuardOptions {
  maxPacketSize: number;
  /** Bytes that may wait to be sent to the client before it is cut off; 0 = unlimited. */
  maxBufferedBytes: number;
  onBytesIn: (n: number) => void;
  onBytesOut: (n: number) => void;
  /** A chunk found this iteration's read budget spent and waits for a later one (read-budget.ts). */
  onReadWait: () => void;
}

const GUARD = Symbol('fleetwire.packetGuard');
type Guarded = Duplex & { [GUARD]?: PacketGuard };

/** The stream's own method, which the guard's per-instance one stands in front of. */
const base = (stream: Duplex): Duplex => Object.getPrototypeOf(stream) as Duplex;

/** The guard of a connection, or null for a stream the broker did not guard. */
export function guardOf(conn: unknown): PacketGuard | null {
  return (conn as Guarded | null)?.[GUARD] ?? null;
}

// The client's stream itself goes to Aedes: a wrapping Duplex cost ~1 KB of stream state per
// connection. These stand in front of its push (every chunk the transport reads), write and
// destroy; they are shared functions, set on the instance, that find the guard by symbol.
function guardedPush(this: Guarded, chunk: Buffer | null, encoding?: BufferEncoding): boolean {
  const guard = this[GUARD];
  if (!guard) return base(this).push.call(this, chunk, encoding);
  return chunk === null ? guard.end() : guard.incoming(chunk);
}
function guardedWrite(this: Guarded, chunk: Buffer | string, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
  const guard = this[GUARD];
  if (!guard) return base(this).write.call(this, chunk, encoding as BufferEncoding, cb);
  const out = guard.outgoing(chunk);
  if (out === null) return false;
  guard.corkForTurn();
  if (guard.holds(out, encoding, cb)) return true;
  const flowing = base(this).write.call(this, out, encoding as BufferEncoding, cb);
  // A high-water mark's worth is batch enough: it leaves now, so it can drain and the wait ends.
  if (!flowing) guard.releaseTurn();
  return flowing;
}
function guardedDestroy(this: Guarded, err?: Error | null): Guarded {
  // What this turn wrote (often the packet Aedes closes after, a refusing CONNACK) goes out first.
  this[GUARD]?.releaseTurn();
  if (err || !this[GUARD]?.flushes()) return base(this).destroy.call(this, err ?? undefined) as Guarded;
  return this;
}

/** Guards corked this turn: one setImmediate uncorks them all (a fan-out corks hundreds). */
let corkedThisTurn: PacketGuard[] = [];
function releaseCorked(): void {
  const guards = corkedThisTurn;
  corkedThisTurn = [];
  for (const guard of guards) guard.releaseTurn();
}

/**
 * Guards `inner` in place and hands it back for Aedes: drops the connection (destroying `inner`
 * with a PacketGuardError, which Aedes reports) on a bad header, after a grace for Aedes to
 * answer an oversized one. Backpressure is the stream's own.
 */
export class PacketGuard extends FrameScanner implements WaitingReader {
  /** Set once an oversized header was passed on: nothing more from the client is passed. */
  private refusing = false;
  /** Edits waiting for the CONNACK: where in it the write has got to, and what to set. */
  private connack: { at: 'header' | 'length' | 'flags' | 'reason'; sessionPresent: boolean; reasonCode: number | null } | null = null;
  private flushOnClose = false;
  private flushing = false;
  /** Set while `inner` is corked for this turn, until `releaseTurn` (releaseCorked, at setImmediate) uncorks it. */
  private corkedForTurn = false;
  /** Chunks written this turn, for its one write (holds); null while none are. */
  private held: (Buffer | string)[] | null = null;
  private heldBytes = 0;
  /** 'connack' until the first write, 'ending' for the rest of its turn: the CONNACK is not held back (see corkForTurn). */
  private connackTurn: 'connack' | 'ending' | 'over' = 'connack';
  /** Chunks read while the read budget was spent (read-budget.ts), oldest first; null while none wait. */
  private waiting: Buffer[] | null = null;
  /** The client's end of stream came while chunks waited: it follows them. */
  private endsAfterWaiting = false;

  constructor(
    readonly inner: Duplex,
    /** The client's address, for logs and per-address limits. */
    readonly remote: string,
    private readonly opts: PacketGuardOptions,
    /** The user a verified TLS client certificate names (client-certificate.ts); null: none. */
    readonly certificateUser: string | null = null,
  ) {
    super(opts.maxPacketSize);
    const guarded = inner as Guarded;
    guarded[GUARD] = this;
    guarded.push = guardedPush;
    guarded.write = guardedWrite as Duplex['write'];
    guarded.destroy = guardedDestroy;
    // bytes read before the guard was set (a PROXY header reader pushes back what follows it)
    const early = inner.readableLength > 0 ? (inner.read() as Buffer | null) : null;
    if (early) this.incoming(early);
  }

  /**
   * A chunk from the client (Readable.push semantics): passed on within this iteration's read
   * budget, else kept until a later one; false stops the stream reading meanwhile.
   */
  incoming(chunk: Buffer): boolean {
    const inner = this.inner;
    if (inner.destroyed) return false;
    this.opts.onBytesIn(chunk.length);
    if (this.waiting === null) {
      if (takeReadBudget(chunk.length)) return this.pass(chunk);
      this.waiting = [];
      waitForReadBudget(this);
    }
    this.opts.onReadWait();
    this.waiting.push(chunk);
    return false;
  }

  /** The client's end of stream, after any chunk still waiting for the read budget. */
  end(): boolean {
    if (this.waiting !== null) this.endsAfterWaiting = true;
    else base(this.inner).push.call(this.inner, null);
    return false;
  }

  passWaiting(): boolean {
    const waiting = this.waiting as Buffer[];
    while (waiting.length > 0 && !this.inner.destroyed && takeReadBudget((waiting[0] as Buffer).length)) this.pass(waiting.shift() as Buffer);
    if (waiting.length > 0 && !this.inner.destroyed) return true;
    this.waiting = null;
    if (this.endsAfterWaiting && !this.inner.destroyed) base(this.inner).push.call(this.inner, null);
    return false;
  }

  /** Scans a chunk and queues it for Aedes to read. */
  private pass(chunk: Buffer): boolean {
    const inner = this.inner;
    if (this.refusing) return true;
    const err = this.scan(chunk);
    if (!err) return base(inner).push.call(inner, chunk);
    if (err.reason !== 'oversized') {
      inner.destroy(err);
      return false;
    }
    this.refusing = true;
    base(inner).push.call(inner, chunk.subarray(0, err.validBytes));
    setTimeout(() => inner.destroy(err), OVERSIZED_GRACE_MS).unref();
    return true;
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

  /**
   * Corks `inner` until setImmediate, which runs once this loop iteration's I/O callbacks and
   * their ticks are done: a PUBACK or PUBREC waits no longer than the iteration that made it.
   * Not in the CONNACK's own turn: a client (MQTT.js' connectAsync) listens for messages once it
   * has handled the CONNACK, so a resumed session's queue must come in a later read.
   */
  corkForTurn(): void {
    if (this.corkedForTurn) return;
    if (this.connackTurn === 'ending') return;
    if (this.connackTurn === 'connack') {
      this.connackTurn = 'ending';
      setImmediate(() => (this.connackTurn = 'over'));
      return;
    }
    this.corkedForTurn = true;
    this.inner.cork();
    if (corkedThisTurn.push(this) === 1) setImmediate(releaseCorked);
  }

  releaseTurn(): void {
    if (!this.corkedForTurn) return;
    this.corkedForTurn = false;
    this.writeHeld();
    this.inner.uncork();
  }

  /**
   * Takes a chunk written in a corked turn into the turn's one write (writeHeld), instead of a
   * buffered write of its own: Aedes writes a PUBLISH as five small chunks, and a busy
   * subscriber gets thousands a turn. False, after writing what is held, when the chunk must go
   * now: it has a callback or an encoding other than UTF-8, or it would bring what waits to the
   * high-water mark, where the stream's own write must answer (so 'drain' follows).
   */
  holds(chunk: Buffer | string, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    const inner = this.inner;
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const plain = cb === undefined && (encoding === undefined || encoding === 'utf8');
    if (!this.corkedForTurn || !plain || inner.writableLength + this.heldBytes + size >= inner.writableHighWaterMark) {
      this.writeHeld();
      return false;
    }
    (this.held ??= []).push(chunk);
    this.heldBytes += size;
    return true;
  }

  private writeHeld(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    const joined = Buffer.allocUnsafe(this.heldBytes);
    this.heldBytes = 0;
    let at = 0;
    for (const chunk of held) at += typeof chunk === 'string' ? joined.write(chunk, at) : chunk.copy(joined, at);
    if (!this.inner.destroyed) base(this.inner).write.call(this.inner, joined, 'utf8', undefined); // the encoding of a Buffer is not read
  }

  /** A chunk Aedes writes: what to write, or null when the client is cut off for letting too much pile up. */
  outgoing(chunk: Buffer | string): Buffer | string | null {
    if (this.connack && Buffer.isBuffer(chunk)) chunk = this.editConnack(chunk);
    const inner = this.inner;
    const waiting = inner.writableLength + this.heldBytes;
    if (this.opts.maxBufferedBytes > 0 && waiting > this.opts.maxBufferedBytes && !inner.destroyed) {
      inner.destroy(new PacketGuardError('slow_consumer', `${waiting} bytes wait to be sent, over the ${this.opts.maxBufferedBytes}-byte limit`));
      return null;
    }
    this.opts.onBytesOut(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    return chunk;
  }

  /**
   * Aedes closes a connection with destroy() right after writing its last packet; for an MQTT 5
   * client that is a CONNACK or DISCONNECT carrying the reason, so bytes still queued are flushed
   * first, within a grace (flushBeforeClose). True while that flush stands in for the destroy.
   */
  flushes(): boolean {
    const inner = this.inner;
    if (this.flushing) return true;
    if (!this.flushOnClose || inner.writableLength === 0 || inner.destroyed) return false;
    this.flushing = true;
    const destroy = (): void => void base(inner).destroy.call(inner);
    inner.end(destroy);
    setTimeout(destroy, FLUSH_GRACE_MS).unref();
    return true;
  }
}
