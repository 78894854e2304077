/**
 * A device's bounded queue of QoS 1 publishes. Messages wait here while the device is offline
 * and move to "in flight" once handed to the connection; whatever was in flight when the
 * connection died goes back to the front, so a reading is only forgotten once the broker has
 * acked it (at least once, as QoS 1 promises) or the queue overflowed.
 */

export interface Outgoing {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Fleet-wide totals that outboxes and links keep current, so reading them never walks the fleet. */
export interface FleetTally {
  /** Devices connected now. */
  online: number;
  /** Messages queued or in flight, over every outbox. */
  buffered: number;
}

export class Outbox {
  private queue: Outgoing[] = [];
  /** In the order sent; acks come in that order too (MQTT 3.1.1 §4.6), so settling finds its message first. */
  private inflight: Outgoing[] = [];

  /** `limit`: most messages kept, queued and in flight together; the oldest queued go first. */
  constructor(
    private readonly limit: number,
    private readonly onOverflow: (dropped: number) => void,
    private readonly tally: Pick<FleetTally, 'buffered'>,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.inflight.length;
  }

  push(msg: Outgoing): void {
    this.queue.push(msg);
    this.tally.buffered++;
    this.trim();
  }

  /** Takes the next message to send and marks it in flight. */
  take(): Outgoing | undefined {
    const msg = this.queue.shift();
    if (msg) this.inflight.push(msg);
    return msg;
  }

  /** The broker acked `msg`: forget it. */
  settle(msg: Outgoing): void {
    const at = this.inflight.indexOf(msg);
    if (at === -1) return;
    // Nearly always the first: shift, where splice would build an array of what it removed.
    if (at === 0) this.inflight.shift();
    else this.inflight.splice(at, 1);
    this.tally.buffered--;
  }

  /** The connection went away: everything unacked is queued again, ahead of newer messages, in order. */
  requeueInflight(): void {
    if (this.inflight.length === 0) return;
    this.queue = [...this.inflight, ...this.queue];
    this.inflight = [];
    this.trim();
  }

  clear(): void {
    this.tally.buffered -= this.queue.length + this.inflight.length;
    this.queue = [];
    this.inflight = [];
  }

  private trim(): void {
    const excess = this.queue.length + this.inflight.length - this.limit;
    if (excess <= 0) return;
    const dropped = Math.min(excess, this.queue.length);
    this.queue.splice(0, dropped);
    this.tally.buffered -= dropped;
    this.onOverflow(dropped);
  }
}
