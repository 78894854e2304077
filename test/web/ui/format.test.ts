import { describe, expect, it } from 'vitest';
import { compareMetrics, formatAgo, formatBytes, formatLatency, formatReading, metricLabel } from '../../../web/src/ui/format.js';

describe('format', () => {
  it.each([
    ['temperature', 21.456, '21.5\u202f°C'],
    ['voltage', 229.84, '229.8\u202fV'],
    ['voltage', 12, '12.0\u202fV'],
    ['current', 0.4421, '0.442\u202fA'],
    ['led_ma', 0, '0\u202fmA'],
    ['ports_used', 2, '2'],
    ['temperature', null, '—'],
  ])('formatReading(%s, %s) = %s', (metric, value, text) => {
    expect(formatReading(metric, value)).toBe(text);
  });

  it('says how long ago on the hub clock', () => {
    expect(formatAgo(0, 5000)).toBe('never');
    expect(formatAgo(10_000, 10_500)).toBe('just now');
    expect(formatAgo(10_000, 22_000)).toBe('12 s ago');
    expect(formatAgo(0 + 1, 3_600_001 * 5)).toBe('5 h ago');
  });

  it('names and orders metrics the way people look for them', () => {
    expect(metricLabel('ports_used')).toBe('Ports used');
    expect(metricLabel('led_ma')).toBe('LED current');
    expect(['zeta', 'power', 'alpha', 'temperature'].sort(compareMetrics)).toEqual(['temperature', 'power', 'alpha', 'zeta']);
  });

  it('formats sizes and latencies', () => {
    expect(formatBytes(120)).toBe('120 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(1.234)).toBe('1.2 ms');
    expect(formatLatency(1234)).toBe('1234 ms');
    expect(formatLatency(12_345)).toBe('12.3 s');
  });
});
