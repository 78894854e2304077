/**
 * Reconnect delays: exponential backoff with full jitter. Each retry waits a uniform random
 * time in [0, min(max, base·2^attempt)), so devices dropped together spread their returns
 * over the whole window instead of coming back in lock-step (no thundering herd).
 */
import type { Rng } from './random.js';

export interface BackoffOptions {
  /** ms, the window of the first retry; must be > 0. */
  baseMs: number;
  /** ms, the largest window; must be >= baseMs. */
  maxMs: number;
}

/** The window (ms) for retry number `attempt` (0 for the first retry). */
export function backoffWindow(attempt: number, opts: BackoffOptions): number {
  // 2^31 overflows nothing here, but stop doubling once past the cap.
  const exp = Math.min(Math.max(0, attempt), 31);
  return Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
}

/** A delay (ms) for retry number `attempt`, drawn from `rng`; always in [0, backoffWindow). */
export function backoffDelay(attempt: number, opts: BackoffOptions, rng: Rng): number {
  return Math.floor(rng.next() * backoffWindow(attempt, opts));
}
