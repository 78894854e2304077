import { describe, expect, it } from 'vitest';
import { allocateModels, parseMix, resolveOptions } from '../../devices/options.js';
import { silentLogger } from './support.js';

const base = { broker: 'mqtt://127.0.0.1:1883', count: 10, logger: silentLogger };

describe('fleet options', () => {
  it.each([
    [{ broker: 'nope' }, /broker must be a URL/],
    [{ broker: 'http://x' }, /broker must use one of/],
    [{ count: 0 }, /count must be a whole number from 1/],
    [{ count: 2.5 }, /count must be/],
    [{ intervalMs: 1 }, /intervalMs must be/],
    [{ seed: -1 }, /seed must be/],
    [{ mix: { toaster: 1 } }, /unknown model 'toaster'/],
    [{ mix: { thermo: -1 } }, /mix weight of thermo/],
    [{ mix: { thermo: 0 } }, /at least one model/],
    [{ idPrefix: 'bad prefix/' }, /break the device id rule/],
    [{ reconnect: { baseMs: 500, maxMs: 100 } }, /reconnect.maxMs must be/],
  ])('refuses %j', (bad, error) => {
    expect(() => resolveOptions({ ...base, ...bad } as never)).toThrow(error);
  });

  it('fills the defaults', () => {
    expect(resolveOptions(base)).toMatchObject({ intervalMs: 1000, seed: 1, firmwareDurationMs: 10_000, mix: { thermo: 40, power: 30, led: 10, hub: 10, edge: 10 } });
  });

  it('parses --mix text and names the bad item', () => {
    expect(parseMix('thermo:40, power:30,edge:0')).toEqual({ thermo: 40, power: 30, edge: 0 });
    for (const bad of ['thermo', 'thermo:', 'thermo:x', 'oven:3', 'thermo:1:2', 'thermo:-1']) expect(() => parseMix(bad)).toThrow(/must be model:weight/);
  });

  it('splits devices by weight exactly and interleaves the models', () => {
    const models = allocateModels(500, { thermo: 40, power: 30, led: 10, hub: 10, edge: 10 });
    const count = (m: string) => models.filter((x) => x === m).length;
    expect([count('thermo'), count('power'), count('led'), count('hub'), count('edge')]).toEqual([200, 150, 50, 50, 50]);
    expect(new Set(models.slice(0, 10))).toEqual(new Set(['thermo', 'power', 'led', 'hub', 'edge']));
    const odd = allocateModels(7, { thermo: 1, power: 1, led: 1, hub: 0, edge: 0 });
    expect(odd).toHaveLength(7);
    expect(odd.filter((m) => m === 'hub')).toEqual([]);
    expect(allocateModels(1, { thermo: 0, power: 0, led: 0, hub: 0, edge: 3 })).toEqual(['edge']);
  });
});
