import { describe, expect, it } from 'vitest';
import { AlertEngine, checkRule, isRuleList, type AlertRule } from '../../../web/src/state/alert-engine.js';

const hot: AlertRule = { id: 'r1', metric: 'temperature', op: 'above', threshold: 40, forSeconds: 30, device: null };

describe('AlertEngine', () => {
  it('fires only after the condition held for the whole duration, on hub time', () => {
    const e = new AlertEngine();
    e.setRules([hot]);
    expect(e.observe('d1', 'temperature', 41, 0)).toEqual([]);
    expect(e.observe('d1', 'temperature', 42, 29_999)).toEqual([]);
    const [fired] = e.observe('d1', 'temperature', 43, 30_000);
    expect(fired).toMatchObject({ type: 'fired', at: 30_000, firing: { device: 'd1', since: 0, value: 43 } });
    expect(e.observe('d1', 'temperature', 44, 31_000)).toEqual([]);
    expect(e.firing()).toHaveLength(1);
  });

  it('starts over when the condition breaks before the duration', () => {
    const e = new AlertEngine();
    e.setRules([hot]);
    e.observe('d1', 'temperature', 41, 0);
    e.observe('d1', 'temperature', 39, 10_000);
    e.observe('d1', 'temperature', 41, 20_000);
    expect(e.tick(45_000)).toEqual([]);
    expect(e.tick(50_000)).toMatchObject([{ type: 'fired', firing: { since: 20_000 } }]);
  });

  it('resolves a firing alert when a reading is back on the right side', () => {
    const e = new AlertEngine();
    e.setRules([{ ...hot, forSeconds: 0 }]);
    expect(e.observe('d1', 'temperature', 50, 1)).toMatchObject([{ type: 'fired' }]);
    expect(e.observe('d1', 'temperature', 20, 2)).toMatchObject([{ type: 'resolved', value: 20, at: 2 }]);
    expect(e.firing()).toEqual([]);
  });

  it('judges each device separately and honours a rule for one device', () => {
    const e = new AlertEngine();
    e.setRules([{ ...hot, forSeconds: 0, op: 'below', threshold: 10, device: 'd2' }]);
    expect(e.observe('d1', 'temperature', 5, 1)).toEqual([]);
    expect(e.observe('d2', 'temperature', 5, 1)).toHaveLength(1);
    expect(e.observe('d2', 'voltage', 5, 1)).toEqual([]);
  });

  it('forgets the state of rules that were removed', () => {
    const e = new AlertEngine();
    e.setRules([{ ...hot, forSeconds: 0 }]);
    e.observe('d1', 'temperature', 50, 1);
    e.setRules([]);
    expect(e.firing()).toEqual([]);
  });
});

describe('checkRule', () => {
  const input = { id: 'x', metric: 'temperature', op: 'above', threshold: '40', forSeconds: '30', device: '' };
  it('accepts a sound rule and turns an empty device into any device', () => {
    expect(checkRule(input)).toEqual({ ok: true, rule: { id: 'x', metric: 'temperature', op: 'above', threshold: 40, forSeconds: 30, device: null } });
  });
  it.each([
    [{ metric: 'Temp' }, 'Metric'],
    [{ op: 'equals' }, 'above or below'],
    [{ threshold: '' }, 'Threshold'],
    [{ threshold: 'abc' }, 'Threshold'],
    [{ forSeconds: '-1' }, 'Duration'],
    [{ device: '<script>' }, 'device id'],
  ])('refuses %o with a reason', (patch, reason) => {
    const r = checkRule({ ...input, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
  });
  it('recognises only well-formed saved rule lists', () => {
    expect(isRuleList([hot])).toBe(true);
    expect(isRuleList([{ ...hot, metric: 'Bad Metric' }])).toBe(false);
    expect(isRuleList({})).toBe(false);
    expect(isRuleList([null])).toBe(false);
  });
});
