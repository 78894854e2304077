/**
 * What waits for the next group commit, in memory: messages in seq order, the latest
 * registry entry per device, the latest state per command, and the promises of whoever
 * waits for them to reach the disk. No SQL here; the committer hands a write function in.
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
  /** Commits that had completed when it was made: one more must complete. */
  afterCommits: number;
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
  private commits = 0;
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
    return this.commands.get(id);
  }

  queuedCommands(): Iterable<CommandView> {
    return this.commands.values();
  }

  get size(): number {
    return this.messages.length;
  }

  isEmpty(): boolean {
    return this.messages.length === 0 && this.devices.size === 0 && this.commands.size === 0;
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
    return this.ticket().promise;
  }

  /**
   * Runs `write` (one transaction) on up to `max` messages and every queued device and
   * command. When it returns they leave the queue and the tickets they complete resolve;
   * when it throws nothing changes and the error propagates, so the same work is retried.
   */
  commit(max: number, write: (chunk: Chunk) => void): void {
    this.open = null;
    const messages = this.messages.slice(0, max);
    write({ messages, devices: [...this.devices.values()], commands: [...this.commands.values()] });
    this.messages = this.messages.slice(messages.length);
    this.devices.clear();
    this.commands.clear();
    this.commits++;
    const last = messages[messages.length - 1];
    if (last) this.committed = last.msg.seq;
    let done = 0;
    for (const t of this.tickets) {
      if (t.lastSeq > this.committed || t.afterCommits >= this.commits) break;
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
    this.messages = [];
    this.devices.clear();
    this.commands.clear();
    return lost;
  }

  private ticket(): Ticket {
    if (this.open) return this.open;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // QoS 0 callers drop the promise; a rejection at close must not become an unhandled one.
    promise.catch(() => undefined);
    const lastQueued = this.messages[this.messages.length - 1];
    const ticket: Ticket = { lastSeq: lastQueued?.msg.seq ?? this.committed, afterCommits: this.commits, promise, resolve, reject };
    this.tickets.push(ticket);
    this.open = ticket;
    return ticket;
  }
}
