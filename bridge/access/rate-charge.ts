/** One point of a rate-limiter-flexible limit, taken before the work it pays for. */
import { type RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** Takes one point for `key`; false when none is left (rate-limiter-flexible rejects with a RateLimiterRes then). */
export async function charge(limiter: RateLimiterMemory, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
