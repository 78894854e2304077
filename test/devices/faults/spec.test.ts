import { describe, expect, it } from 'vitest';
import { MALFORMED_KINDS, malformed, outOfRange } from '../../../devices/faults/distortion.js';
import { parseFaultSpec } from '../../../devices/faults/spec.js';
import { createRng } from '../../../devices/random.js';

describe('fault specs on the command line', () => {
  it.each([
    ['stuck', { ok: true, value: { name: 'stuck', target: 'all', params: {} } }],
    ['loss:25%:rate=0.3', { ok: true, value: { name: 'loss', target: '25%', params: { rate: 0.3 } } }],
    ['latency:thermo-1', { ok: true, value: { name: 'latency', target: 'thermo-1', params: { ms: 2000 } } }],
    ['skew:0.5:ms=-60000', { ok: true, value: { name: 'skew', target: '0.5', params: { ms: -60000 } } }],
  ])('%s', (text, expected) => {
    expect(parseFaultSpec(text)).toEqual(expected);
  });

  it.each([
    ['melt', /unknown fault 'melt'/],
    ['stuck:', /empty target/],
    ['loss:all:rate', /must be key=number/],
    ['loss:all:rate=x', /must be key=number/],
    ['loss:all:rate=2', /loss.rate must be a number from 0 to 1/],
    ['stuck:all:x=1', /stuck has no parameter 'x'/],
    ['loss:all:rate=1:more', /too many ':'/],
  ])('refuses %s', (text, error) => {
    const r = parseFaultSpec(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe('reading distortions', () => {
  it('out-of-range values are beyond any sensor', () => {
    const out = outOfRange({ temperature: 21.5, voltage: 230 }, createRng(1));
    for (const v of Object.values(out)) expect(v < -999 || v > 9999).toBe(true);
  });

  it('malformed payloads take turns through every kind, none of them valid telemetry', () => {
    const kinds = MALFORMED_KINDS.map((_, n) => malformed('d1', { temperature: 21.5 }, 1, n));
    expect(kinds.map((k) => k.kind)).toEqual([...MALFORMED_KINDS]);
    expect(() => JSON.parse(kinds[0]?.payload ?? '')).toThrow();
    expect(JSON.parse(kinds[1]?.payload ?? '')).toEqual({ temperature: '21.5' });
    expect(JSON.parse(kinds[2]?.payload ?? '')).toEqual([21.5]);
    expect(JSON.parse(kinds[3]?.payload ?? '')).toEqual({ 'TEMPERATURE!': 21.5 });
    expect(kinds[4]).toEqual({ kind: 'metric-text', topic: 'devices/d1/telemetry/temperature', payload: 'n/a' });
  });
});
