/** The JSON bounds, checked on the text: depth and members counted outside strings only. */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_JSON_MEMBERS, jsonShapeProblem, parseJson } from '../../protocol/json-bounds.js';

const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const members = (n: number): string => `[${Array.from({ length: n }, () => '1').join(',')}]`;

describe('jsonShapeProblem', () => {
  it.each([
    ['a scalar', '42', null],
    ['the deepest nesting allowed', nest(MAX_JSON_DEPTH), null],
    ['one level deeper', nest(MAX_JSON_DEPTH + 1), 'deeper'],
    ['objects count as levels too', '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1), 'deeper'],
    ['brackets inside strings', JSON.stringify({ s: '['.repeat(1000) }), null],
    ['an escaped quote does not end the string', JSON.stringify({ s: `\\"${'['.repeat(1000)}` }), null],
    ['the most members allowed', members(MAX_JSON_MEMBERS), null],
    ['one member more', members(MAX_JSON_MEMBERS + 1), 'members'],
    ['members counted per container', `[${members(MAX_JSON_MEMBERS)},${members(MAX_JSON_MEMBERS)}]`, null],
    ['commas inside strings', JSON.stringify([','.repeat(10_000)]), null],
  ])('%s', (_what, text, problem) => {
    const found = jsonShapeProblem(text);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('parseJson', () => {
  it('parses, refuses invalid JSON as bad_json and oversized shapes as too_complex', () => {
    expect(parseJson('{"a":[1,2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseJson('{"a":')).toMatchObject({ ok: false, code: 'bad_json' });
    expect(parseJson(nest(5000))).toMatchObject({ ok: false, code: 'too_complex' });
  });

  // The first-character check must agree with JSON.parse on every text: it only skips the throw.
  it.each(['ON', 'hello', '', '   ', '+1', '.5', 'NaN', 'Infinity', "'a'", '\u00a0{}', 'tru', 'nul', '-', '{"a":1} x'])('refuses %j as JSON.parse does', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(parseJson(text)).toMatchObject({ ok: false, code: 'bad_json' });
  });

  it.each(['0', '-1.5e3', 'true', 'false', 'null', '"x"', ' \t\r\n{"a":1}', '[]'])('parses %j as JSON.parse does', (text) => {
    expect(parseJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });
});
