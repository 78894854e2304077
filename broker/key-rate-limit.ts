/**
 * At most `points` counts per key in a window that starts with the key's first count and lasts
 * `windowMs` (as rate-limiter-flexible's memory limiter counts, a count over the limit included).
 * That limiter keeps a record and a timer per key; at one key per connecting client that was
 * ~370 bytes a client for the minute after it connected. Here a key costs one small entry, and
 * one timer serves them all: windows are of one length, so the Map's insertion order is the
 * order in which they end.
 */

interface Window {
  /** performance.now() milliseconds at which the window ends. */
  end: number;
  count: number;
}

export class KeyRateLimit {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one for `key`; false when that takes it over the limit. */
  take(key: string): boolean {
    const now = performance.now();
    let window = this.windows.get(key);
    if (!window || window.end <= now) {
      this.windows.delete(key); // re-inserted last, where its end belongs
      window = { end: Math.ceil(now + this.windowMs), count: 0 };
      this.windows.set(key, window);
      this.timer ??= this.sweepLater(this.windowMs);
    }
    window.count++;
    return window.count <= this.points;
  }

  /** Milliseconds until `key`'s window ends (0 when it has none open). */
  msLeft(key: string): number {
    const window = this.windows.get(key);
    return window ? Math.max(window.end - performance.now(), 0) : 0;
  }

  /** Takes back one count of `key`, if its window is still open. */
  refund(key: string): void {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count--;
  }

  private sweepLater(ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.sweep(), ms);
    timer.unref();
    return timer;
  }

  private sweep(): void {
    this.timer = null;
    const now = performance.now();
    for (const [key, window] of this.windows) {
      if (window.end > now) {
        this.timer = this.sweepLater(window.end - now);
        return;
      }
      this.windows.delete(key);
    }
  }
}
