import { describe, expect, it } from 'vitest';
import { formatComment, formatEvent } from '../../../bridge/transports/sse-format.js';
import { parseSse as parseStream } from '../support/raw-stream.js';

describe('formatEvent', () => {
  it.each([
    [{ id: 7, event: 'telemetry', data: '{"a":1}' }, 'id: 7\nevent: telemetry\ndata: {"a":1}\n\n'],
    [{ data: 'one\ntwo' }, 'data: one\ndata: two\n\n'],
    [{ data: 'a\r\nb\rc' }, 'data: a\ndata: b\ndata: c\n\n'],
    [{ data: '' }, 'data: \n\n'],
    [{ retry: 2000, event: 'hello', data: '{}' }, 'retry: 2000\nevent: hello\ndata: {}\n\n'],
    [{ event: 'reset', id: 0, data: 'x' }, 'id: 0\nevent: reset\ndata: x\n\n'],
  ])('%j', (event, expected) => {
    expect(formatEvent(event)).toBe(expected);
  });

  it.each([
    [{ id: '1\nevent: command' }],
    [{ id: '1\r' }],
    [{ id: 'a\0b' }],
    [{ event: 'telemetry\ndata: forged' }],
    [{ event: 'x\r\n' }],
    [{ retry: -1 }],
    [{ retry: 1.5 }],
  ])('refuses %j', (event) => {
    expect(() => formatEvent(event)).toThrow(TypeError);
  });

  it('keeps any data string inside one event: a forged field or event stays data', () => {
    const hostile = 'x\n\nid: 999\nevent: command\ndata: {"forged":true}\r\n\r\nretry: 1\n: comment';
    const events = parseStream(formatEvent({ id: 5, event: 'telemetry', data: hostile }));
    expect(events).toEqual([{ id: '5', event: 'telemetry', data: hostile.replace(/\r\n|\r/g, '\n') }]);
  });
});

describe('formatComment', () => {
  it.each([
    ['', ': \n\n'],
    ['ping', ': ping\n\n'],
    ['a\nb', ': a\n: b\n\n'],
  ])('%j', (text, expected) => {
    expect(formatComment(text)).toBe(expected);
    expect(parseStream(expected)).toEqual([]);
  });
});
