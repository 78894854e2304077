import { describe, expect, it } from 'vitest';
import { parseCount, parseDuration, parseOrigin, parsePort, parseSize } from '../../cli/parse.js';

describe('option parsers', () => {
  it.each([
    ['0', 0],
    ['1883', 1883],
    ['65535', 65535],
  ])('port %s → %d', (text, want) => expect(parsePort(text)).toBe(want));

  it.each(['-1', '65536', 'abc', '1.5', ''])('port %j is refused', (text) => expect(() => parsePort(text)).toThrow(/port number/));

  it.each([
    ['250', 250],
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
  ])('duration %s → %d ms', (text, want) => expect(parseDuration(text)).toBe(want));

  it.each(['1 week', 's', '-5s', '10x'])('duration %j is refused', (text) => expect(() => parseDuration(text)).toThrow(/duration/));

  it.each([
    ['262144', 262144],
    ['256KiB', 262144],
    ['1MiB', 1048576],
    ['64kb', 64000],
  ])('size %s → %d bytes', (text, want) => expect(parseSize(text)).toBe(want));

  it.each(['big', '-1', '1.5MiB'])('size %j is refused', (text) => expect(() => parseSize(text)).toThrow(/size/));

  it('counts are whole numbers', () => {
    expect(parseCount('12')).toBe(12);
    expect(() => parseCount('1e3')).toThrow(/whole number/);
  });

  it('origins must be bare origins', () => {
    expect(parseOrigin('https://a.example, http://b.example:8080')).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => parseOrigin('https://a.example/path')).toThrow(/write it as https:\/\/a.example/);
    expect(() => parseOrigin('not a url')).toThrow(/not an origin/);
  });
});
