/**
 * Estimates the hub's clock from message timestamps. A message's `ts` is when the hub
 * received it, so `ts - localNow` at arrival is a lower bound of the offset, off only by the
 * delivery latency; the largest recent bound is the best estimate. Windows rotate so a clock
 * step on either side is forgotten within two windows. Pure, unit-tested in Node.
 */

export const OFFSET_WINDOW_MS = 10_000;

export class ClockOffset {
  private current = -Infinity;
  private previous = -Infinity;
  private windowStart = -Infinity;

  /** Records a message stamped `hubTs` by the hub that arrived at local time `localNow`. */
  sample(hubTs: number, localNow: number): void {
    if (localNow - this.windowStart >= OFFSET_WINDOW_MS) {
      this.previous = this.current;
      this.current = -Infinity;
      this.windowStart = localNow;
    }
    this.current = Math.max(this.current, hubTs - localNow);
  }

  /** ms to add to the local clock to read the hub's; 0 before any sample. */
  offset(): number {
    const best = Math.max(this.current, this.previous);
    return Number.isFinite(best) ? best : 0;
  }
}
