/**
 * What waits for the next group commit, in memory: messages in seq order, the latest
 * registry entry per device, the latest state per command, and the promises of whoever
 * waits for them to reach the disk. No SQL here. A commit is two steps, because the write may
 * run on another thread: take() hands out a chunk, settle() reports how its write ended. What
 * was taken stays queued (and readable) until it is settled as committed.
 */
import type { CommandView, DeviceView, HubMessage } from '../../protocol/message.js';

export interface QueuedMessage {
  msg: HubMessage;
  /** `msg.data` as JSON text, made at append so a bad payload is refused before it is queued. */
  data: string;
}

/** One transaction's worth of work. */
export interface Chunk {
  messages: readonly QueuedMessage[];
  devices: readonly DeviceView[];
  commands: readonly CommandView[];
}

/** Settles once every message up to `lastSeq`, and everything saved before it was made, is committed. */
interface Ticket {
  lastSeq: number;
  /** The first take that started after it was made: that one, or a later one, must commit. */
  take: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WriteQueue {
  private messages: QueuedMessage[] = [];
  private readonly devices = new Map<string, DeviceView>();
  private readonly commands = new Map<string, CommandView>();
  private tickets: Ticket[] = [];
  /** The ticket appends join until the next commit starts. */
  private open: Ticket | null = null;
  /** Takes handed out so far; the one in flight, if any, is the last. */
  private takes = 0;
  private inflight: Chunk | null = null;
  private committed: number;

  constructor(
    private readonly maxPending: number,
    committedSeq: number,
  ) {
    this.committed = committedSeq;
  }

  /** Queues a message; null when the queue already holds maxPending messages. */
  push(entry: QueuedMessage): Promise<void> | null {
    if (this.messages.length >= this.maxPending) return null;
    this.messages.push(entry);
    const ticket = this.ticket();
    ticket.lastSeq = entry.msg.seq;
    return ticket.promise;
  }

  saveDevice(device: DeviceView): void {
    this.devices.set(device.id, device);
  }

  saveCommand(command: CommandView): void {
    this.commands.set(command.id, command);
  }

  pendingCommand(id: string): CommandView | undefined {
    return this.commands.get(id) ?? this.inflight?.commands.find((c) => c.id === id);
  }

  /** Commands not yet committed, oldest state first: a later one for the same id wins. */
  queuedCommands(): Iterable<CommandView> {
    return [...(this.inflight?.commands ?? []), ...this.commands.values()];
  }

  get size(): number {
    return this.messages.length;
  }

  /** Messages not yet taken by a chunk in flight. */
  get untaken(): number {
    return this.messages.length - (this.inflight?.messages.length ?? 0);
  }

  /** Nothing queued and nothing being written. */
  isEmpty(): boolean {
    return this.messages.length === 0 && this.devices.size === 0 && this.commands.size === 0 && this.inflight === null;
  }

  /** The highest seq on disk. */
  get committedSeq(): number {
    return this.committed;
  }

  /** Queued messages with seq > after, in seq order (binary search: the queue is sorted). */
  after(after: number): readonly QueuedMessage[] {
    let lo = 0;
    let hi = this.messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.messages[mid] as QueuedMessage).msg.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? this.messages : this.messages.slice(lo);
  }

  /** A promise that settles when everything queued now is committed. */
  flushed(): Promise<void> {
    if (this.isEmpty() && this.tickets.length === 0) return Promise.resolve();
    // Only the chunk in flight holds anything: its commit is the one to wait for.
    if (this.inflight && this.untaken === 0 && this.devices.size === 0 && this.commands.size === 0) return this.ticket(this.takes).promise;
    return this.ticket().promise;
  }

  /**
   * The next transaction's work: up to `max` messages and every queued device and command
   * (those leave their maps: a save from now on is a newer state, for a later take). Appends
   * made from now on wait for a later take. One chunk at a time: settle it first.
   */
  take(max: number): Chunk {
    if (this.inflight) throw new Error('a chunk is already being written');
    this.open = null;
    this.takes++;
    this.inflight = { messages: this.messages.slice(0, max), devices: [...this.devices.values()], commands: [...this.commands.values()] };
    this.devices.clear();
    this.commands.clear();
    return this.inflight;
  }

  /**
   * Ends the chunk in flight. Committed: its messages leave the queue and the tickets it
   * completes resolve. Not committed: its messages stay, and its devices and commands go back
   * unless saved again since, for the next take.
   */
  settle(committed: boolean): void {
    const chunk = this.inflight;
    this.inflight = null;
    if (!chunk) return;
    if (!committed) {
      for (const d of chunk.devices) if (!this.devices.has(d.id)) this.devices.set(d.id, d);
      for (const c of chunk.commands) if (!this.commands.has(c.id)) this.commands.set(c.id, c);
      return;
    }
    this.messages = this.messages.slice(chunk.messages.length);
    const last = chunk.messages[chunk.messages.length - 1];
    if (last) this.committed = last.msg.seq;
    let done = 0;
    for (const t of this.tickets) {
      if (t.lastSeq > this.committed || t.take > this.takes) break;
      t.resolve();
      done++;
    }
    this.tickets = this.tickets.slice(done);
  }

  /** Rejects every waiting promise and empties the queue (close without a disk). Returns how many messages were lost. */
  abandon(err: Error): number {
    const lost = this.messages.length;
    for (const t of this.tickets) t.reject(err);
    this.tickets = [];
    this.open = null;
    this.inflight = null;
    this.messages = [];
    this.devices.clear();
    this.commands.clear();
    return lost;
  }

  /** The open ticket, or a new one; `take` makes one waiting for that take instead, not joined by appends. */
  private ticket(take?: number): Ticket {
    if (this.open && take === undefined) return this.open;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // QoS 0 callers drop the promise; a rejection at close must not become an unhandled one.
    promise.catch(() => undefined);
    const lastQueued = this.messages[this.messages.length - 1];
    const ticket: Ticket = { lastSeq: lastQueued?.msg.seq ?? this.committed, take: take ?? this.takes + 1, promise, resolve, reject };
    this.tickets.push(ticket);
    if (take === undefined) this.open = ticket;
    return ticket;
  }
}
