import { describe, expect, it } from 'vitest';
import { HTTP_LIMITS, resolveHttpLimits } from '../../server/http-limits.js';

describe('resolveHttpLimits', () => {
  it('keeps half the open-file limit out of HTTP', () => {
    expect(resolveHttpLimits({}, 1024).maxConnections).toBe(512);
    expect(resolveHttpLimits({ maxConnections: 100 }, 1024).maxConnections).toBe(100);
    expect(resolveHttpLimits({}, null).maxConnections).toBe(HTTP_LIMITS.maxConnections);
  });

  it.each([[{ maxConnections: 0 }], [{ headersTimeoutMs: 1.5 }], [{ headersTimeoutMs: 60_000, requestTimeoutMs: 30_000 }]])('refuses %j', (limits) => {
    expect(() => resolveHttpLimits(limits, null)).toThrow(/HTTP limit/);
  });
});
