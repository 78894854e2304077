/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random), so a hub
 * restart with a wall of open dashboards does not bring them all back in the same instant.
 */

export interface BackoffOptions {
  /** First delay in ms. */
  initialMs: number;
  /** Ceiling for any delay in ms. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

export const BACKOFF_DEFAULTS: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, random: Math.random };

export class Backoff {
  private readonly opts: BackoffOptions;
  private failures = 0;

  constructor(opts: Partial<BackoffOptions> = {}) {
    this.opts = { ...BACKOFF_DEFAULTS, ...opts };
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next attempt; never below half the exponential step, never above `maxMs`. */
  next(): number {
    const { initialMs, maxMs, factor, random } = this.opts;
    const step = Math.min(maxMs, initialMs * factor ** this.failures);
    this.failures++;
    return Math.round(step / 2 + (random() * step) / 2);
  }

  /** Call once a connection has proven itself, so the next failure starts small again. */
  reset(): void {
    this.failures = 0;
  }
}
