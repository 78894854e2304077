import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostCheck, originCheck } from '../../http/request-origin.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('hostCheck without a users file', () => {
  const check = hostCheck(['hub.example']);
  it.each([
    ['localhost:8080', true],
    ['LOCALHOST', true],
    ['127.0.0.1:8080', true],
    ['[::1]:8080', true],
    ['192.168.1.20:8080', true],
    ['hub.example:8080', true],
    ['evil.example:8080', false],
    ['localhost.evil.example', false],
    ['sub.hub.example', false],
    ['', false],
  ])('Host %j answered: %s', (host, answered) => {
    expect(check(req(host === '' ? {} : { host })) === null).toBe(answered);
  });

  it('answers any Host with a users file', () => {
    expect(hostCheck('any')(req({ host: 'evil.example' }))).toBeNull();
  });
});

describe('originCheck', () => {
  const check = originCheck(['https://dash.example']);
  it.each([
    [{ host: 'localhost:8080' }, true],
    [{ host: 'localhost:8080', origin: 'http://localhost:8080' }, true],
    [{ host: 'localhost:8080', origin: 'https://dash.example' }, true],
    [{ host: 'localhost:8080', origin: 'http://localhost:9999' }, false],
    [{ host: 'localhost:8080', origin: 'http://evil.example' }, false],
    [{ host: 'localhost:8080', origin: 'null' }, false],
  ])('%j allowed: %s', (headers, allowed) => {
    expect(check(req(headers)) === null).toBe(allowed);
  });
});
