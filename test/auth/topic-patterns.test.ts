/** Topic patterns: which are usable, how %u and %c expand, and when one filter covers another. */
import { describe, expect, it } from 'vitest';
import { expandPattern, filterCovers, patternProblem, patternsProblem } from '../../auth/topic-patterns.js';

describe('patternProblem', () => {
  it.each([
    ['tele/%u/#', null],
    ['cmnd/%c/+', null],
    ['%u-%c/state', null],
    ['#', null],
    ['tele/%U/#', /only %u \(user name\) and %c/],
    ['tele/%/#', /has %\//],
    ['tele/#/x', /not an MQTT filter/],
    ['tele/a+/x', /not an MQTT filter/],
    ['', /not an MQTT filter/],
  ])('%s', (pattern, problem) => {
    const found = patternProblem(pattern);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('limits how many patterns a user may have', () => {
    expect(patternsProblem(Array.from({ length: 33 }, (_, i) => `t/${i}`))).toMatch(/more than 32/);
  });
});

describe('expandPattern', () => {
  it.each([
    ['tele/%u/#', 'plug1', 'c1', 'tele/plug1/#'],
    ['cmnd/%c/+', 'plug1', 'DVES_1', 'cmnd/DVES_1/+'],
    ['%u/%c', 'u', 'c', 'u/c'],
    ['cmnd/%c/#', 'u', 'a/b', null],
    ['cmnd/%c/#', 'u', '#', null],
    ['cmnd/%c/#', 'u', 'x+', null],
    ['cmnd/%c/#', 'u', '', null],
    ['plain/topic', 'u', '#', 'plain/topic'],
  ])('%s for user %s, client %s', (pattern, user, clientId, expanded) => {
    expect(expandPattern(pattern, user, clientId)).toBe(expanded);
  });
});

describe('filterCovers', () => {
  it.each([
    ['a/#', 'a/#', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a/+/c', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/+', false],
    ['a/b', 'a/b', true],
    ['a', 'a/b', false],
    ['#', '$SYS/#', false],
    ['+/x', '$SYS/x', false],
    ['#', 'a/+/b/#', true],
  ])('%s covers %s: %s', (pattern, filter, covers) => {
    expect(filterCovers(pattern, filter)).toBe(covers);
  });
});
