/**
 * What the transport lab measures for one push method: delivery latency (p50/p99 over the
 * last few seconds), messages received and missed (gaps in the publisher's counter), HTTP
 * requests made, and bytes on the wire per message. Pure, unit-tested in Node.
 */

/** Seconds of samples the latency percentiles cover. */
export const WINDOW_SECONDS = 5;
/** Latency samples kept per second; above it a uniform sample (reservoir) is kept. */
export const SAMPLES_PER_SECOND = 4000;

export interface LabFigures {
  p50: number | null;
  p99: number | null;
  received: number;
  missed: number;
  requests: number;
  /** Mean bytes per received message, null before the first. */
  bytesPerMessage: number | null;
  /** Messages received during the last whole second. */
  perSecond: number;
}

/** The q-quantile (0..1) of `sorted` by nearest rank; null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export class LabStats {
  private received = 0;
  private missed = 0;
  private requests = 0;
  private bytes = 0;
  private lastN: number | null = null;
  /** Latency samples of the current second and the WINDOW_SECONDS - 1 before it. */
  private seconds: number[][] = [[]];
  private seenThisSecond = 0;
  private lastSecondCount = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** One delivered message: the publisher's counter `n` (null if unknown) and its latency in ms. */
  message(n: number | null, latencyMs: number): void {
    this.received++;
    if (n !== null) {
      // A counter that went backwards means the publisher restarted: start counting again.
      if (this.lastN !== null && n > this.lastN + 1) this.missed += n - this.lastN - 1;
      this.lastN = n;
    }
    this.seenThisSecond++;
    const current = this.seconds[this.seconds.length - 1] as number[];
    if (current.length < SAMPLES_PER_SECOND) current.push(latencyMs);
    else {
      const slot = Math.floor(this.random() * this.seenThisSecond);
      if (slot < SAMPLES_PER_SECOND) current[slot] = latencyMs;
    }
  }

  bytesOnWire(n: number): void {
    this.bytes += n;
  }

  request(): void {
    this.requests++;
  }

  /** Closes the current second; call once a second. */
  rollSecond(): void {
    this.lastSecondCount = this.seenThisSecond;
    this.seenThisSecond = 0;
    this.seconds.push([]);
    if (this.seconds.length > WINDOW_SECONDS) this.seconds.shift();
  }

  figures(): LabFigures {
    const sorted = this.seconds.flat().sort((a, b) => a - b);
    return {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      received: this.received,
      missed: this.missed,
      requests: this.requests,
      bytesPerMessage: this.received > 0 ? this.bytes / this.received : null,
      perSecond: this.lastSecondCount,
    };
  }

  reset(): void {
    this.received = 0;
    this.missed = 0;
    this.requests = 0;
    this.bytes = 0;
    this.lastN = null;
    this.seconds = [[]];
    this.seenThisSecond = 0;
    this.lastSecondCount = 0;
  }
}
