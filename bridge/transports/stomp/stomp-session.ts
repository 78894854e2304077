/**
 * One STOMP connection, whatever carries it. Bytes go through the decoder; each frame goes to
 * its handler (stomp-dispatch.ts) in order, one at a time, even when a handler waits (a login,
 * a publish). Anything wrong gets an ERROR frame with a `message` header and the connection
 * closes, as STOMP 1.2 §ERROR says; the hub and every other connection go on undisturbed.
 *
 * Heart-beats (§Heart-beating): the server sends an EOL whenever it has been quiet for the
 * negotiated interval, and drops a client it has heard nothing from for twice its interval.
 * A client that sends no CONNECT within the heart-beat interval is dropped too.
 */
import { randomBytes } from 'node:crypto';
import type { User } from '../../../auth/index.js';
import type { TransportKind } from '../../../protocol/transports.js';
import { type Headers, type OutgoingFrame, type StompFrame, type StompVersion, header } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { HEARTBEAT, encodeFrame } from './frame-encoder.js';
import type { HeartBeats } from './negotiate.js';
import type { StompDeps } from './stomp-deps.js';
import type { StompSocket } from './stomp-socket.js';
import type { Subscription } from './subscription.js';

export type SessionState = 'connecting' | 'connected' | 'closed';

/** The command ids a connection remembers for `/user/queue/commands`; the oldest go first. */
const REMEMBERED_COMMANDS = 1000;
/** ms between checks whether a full socket has emptied. */
const DRAIN_CHECK_MS = 50;

export class StompSession {
  state: SessionState = 'connecting';
  version: StompVersion = '1.2';
  /** Who CONNECT authenticated. */
  user: User | null = null;
  /** The sender key the hub's command follows use: one per connection. */
  readonly key = randomBytes(12).toString('base64url');
  readonly subscriptions = new Map<string, Subscription>();
  /** Ids of commands this connection sent, for `/user/queue/commands`. */
  readonly commandIds = new Set<string>();
  /** Open transactions and the frames each holds until COMMIT (handlers/transaction.ts). */
  readonly transactions = new Map<string, StompFrame[]>();
  private readonly decoder: FrameDecoder;
  private work: Promise<void> = Promise.resolve();
  private lastHeard = Date.now();
  private lastSent = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private drainWatch: NodeJS.Timeout | null = null;
  private readonly waitingForDrain = new Set<() => void>();
  private readonly written: { inc(n: number): void };

  constructor(
    readonly socket: StompSocket,
    readonly deps: StompDeps,
    readonly transport: TransportKind,
    /** Who the HTTP request that opened the connection showed to be (cookie, bearer token); null: CONNECT must say. */
    readonly transportUser: User | null,
    /** The client's address, for limiting failed logins. */
    readonly address: string,
    private readonly handle: (s: StompSession, frame: StompFrame) => void | Promise<void>,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes: deps.limits.maxFrameBytes, maxHeaders: deps.limits.stompMaxHeaders, maxHeaderBytes: deps.limits.stompMaxHeaderBytes });
    this.written = deps.metrics.bytes.tally({ transport });
    const connectBy = setTimeout(() => this.state === 'connecting' && this.drop(), deps.limits.stompHeartbeatMs);
    connectBy.unref();
    this.timers.push(connectBy);
  }

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastHeard = Date.now();
    for (const item of this.decoder.push(chunk)) {
      if (item.type === 'error') return this.fail(item.message);
      if (item.type === 'frame') {
        const frame = item.frame;
        this.work = this.work.then(() => (this.state === 'closed' ? undefined : this.handle(this, frame))).catch((err: unknown) => {
          this.deps.logger.error({ err, command: frame.command }, 'stomp frame failed');
          this.fail('internal error', frame);
        });
      }
    }
  }

  /** CONNECT settled the version and heart-beats. */
  connected(user: User, version: StompVersion, beats: HeartBeats): void {
    this.state = 'connected';
    this.user = user;
    this.version = version;
    this.decoder.version = version;
    this.stopTimers();
    if (beats.outgoing > 0) this.every(beats.outgoing, () => Date.now() - this.lastSent >= beats.outgoing / 2 && this.write(HEARTBEAT));
    // The spec leaves the margin to the server: twice the promised interval tolerates a late beat.
    if (beats.incoming > 0) this.every(beats.incoming, () => Date.now() - this.lastHeard > 2 * beats.incoming && this.drop());
  }

  send(frame: OutgoingFrame): void {
    this.sendEncoded(encodeFrame(frame, this.version));
  }

  /** A frame already encoded for this connection's version (message-frame.ts). */
  sendEncoded(text: string): void {
    if (this.state !== 'closed') this.write(text);
  }

  /** A RECEIPT if `frame` asked for one (§Header receipt). */
  receipt(frame: StompFrame, extra: Headers = []): void {
    const id = header(frame, 'receipt');
    if (id !== undefined) this.send({ command: 'RECEIPT', headers: [['receipt-id', id], ...extra] });
  }

  /** True while the socket holds no more than the high-water mark. */
  writable(): boolean {
    return this.socket.buffered() <= this.deps.limits.wsHighWaterBytes;
  }

  /** Calls `drained` once the socket has emptied below the high-water mark. */
  whenDrained(drained: () => void): void {
    this.waitingForDrain.add(drained);
    if (this.drainWatch !== null) return;
    this.drainWatch = setInterval(() => {
      if (this.state === 'closed' || !this.writable()) return;
      if (this.drainWatch) clearInterval(this.drainWatch);
      this.drainWatch = null;
      const waiting = [...this.waitingForDrain];
      this.waitingForDrain.clear();
      for (const fn of waiting) fn();
    }, DRAIN_CHECK_MS);
    this.drainWatch.unref();
  }

  /** Remembers a command this connection sent. */
  sentCommand(id: string): void {
    this.commandIds.add(id);
    for (const old of this.commandIds) {
      if (this.commandIds.size <= REMEMBERED_COMMANDS) break;
      this.commandIds.delete(old);
    }
  }

  /** ERROR with `message` (and the frame's receipt, §ERROR), then close. */
  fail(message: string, frame?: StompFrame, detail?: string): void {
    if (this.state === 'closed') return;
    const receipt = frame ? header(frame, 'receipt') : undefined;
    const headers: [string, string][] = [['message', message.slice(0, 400)]];
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    this.send({ command: 'ERROR', headers, body: detail ?? message });
    this.socket.close(message);
    this.closed();
  }

  /** Ends politely after what was sent (DISCONNECT). */
  end(): void {
    if (this.state === 'closed') return;
    this.socket.close('');
    this.closed();
  }

  /** Drops a client that reads or says nothing. */
  drop(): void {
    if (this.state === 'closed') return;
    this.socket.terminate();
    this.closed();
  }

  /** The connection is gone: forget every subscription and timer. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopTimers();
    if (this.drainWatch) clearInterval(this.drainWatch);
    this.waitingForDrain.clear();
    for (const sub of this.subscriptions.values()) sub.close();
    this.subscriptions.clear();
    this.transactions.clear(); // §DISCONNECT: what was not committed is aborted
  }

  private write(text: string): void {
    this.lastSent = Date.now();
    this.written.inc(Buffer.byteLength(text));
    this.socket.send(text);
  }

  private every(ms: number, fn: () => unknown): void {
    const timer = setInterval(fn, Math.max(1, Math.floor(ms / 2)));
    timer.unref();
    this.timers.push(timer);
  }

  private stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
