/** What CONNECT negotiates (STOMP 1.2 §Protocol Negotiation, §Heart-beating) and the destinations SUBSCRIBE and SEND take. */
import { describe, expect, it } from 'vitest';
import { parseSendDestination, parseSubscribeDestination } from '../../../../bridge/transports/stomp/destination.js';
import { negotiateHeartBeats, negotiateVersion, pickSubprotocol } from '../../../../bridge/transports/stomp/negotiate.js';

describe('negotiation', () => {
  it.each([
    [undefined, '1.0'],
    ['1.0', '1.0'],
    ['1.0,1.1', '1.1'],
    ['1.2, 1.1', '1.2'],
    ['1.1,1.2,2.0', '1.2'],
  ])('accept-version %j speaks %s', (accept, version) => {
    expect(negotiateVersion(accept)).toEqual({ ok: true, value: version });
  });

  it('refuses versions it does not speak', () => {
    expect(negotiateVersion('2.0,3.0')).toMatchObject({ ok: false, error: 'supported protocol versions are 1.2 1.1 1.0' });
  });

  it.each([
    [undefined, { outgoing: 0, incoming: 0 }],
    ['0,0', { outgoing: 0, incoming: 0 }],
    ['5000,0', { outgoing: 0, incoming: 10_000 }],
    ['0,20000', { outgoing: 20_000, incoming: 0 }],
    ['1,1', { outgoing: 10_000, incoming: 10_000 }],
    [' 30000,15000 ', { outgoing: 15_000, incoming: 30_000 }],
  ])('heart-beat %j against 10 s gives %j', (value, beats) => {
    expect(negotiateHeartBeats(value, 10_000)).toEqual({ ok: true, value: beats });
  });

  it.each(['1', '1,2,3', '-1,0', 'a,b', '1000000000,0'])('refuses heart-beat %j', (value) => {
    expect(negotiateHeartBeats(value, 10_000).ok).toBe(false);
  });

  it.each([
    [['v10.stomp', 'v12.stomp'], 'v12.stomp'],
    [['v11.stomp'], 'v11.stomp'],
    [['mqtt'], false],
    [[], false],
  ] as const)('picks %j → %j', (offered, picked) => {
    expect(pickSubprotocol(new Set(offered))).toBe(picked);
  });
});

describe('destinations', () => {
  it.each([
    ['/topic/devices/+/telemetry', { kind: 'topic', filters: ['devices/+/telemetry'] }],
    ['/topic/#', { kind: 'topic', filters: ['#'] }],
    ['/topic/a/#,/topic/b/+', { kind: 'topic', filters: ['a/#', 'b/+'] }],
    ['/topic/a,b', { kind: 'topic', filters: ['a,b'] }],
    ['/topic/a,/topic/a', { kind: 'topic', filters: ['a'] }],
    ['/user/queue/commands', { kind: 'commands' }],
    ['/user/queue/chat.room-1', { kind: 'user-queue', queue: 'chat.room-1' }],
  ])('subscribes to %s', (dest, parsed) => {
    expect(parseSubscribeDestination(dest, 4)).toEqual({ ok: true, value: parsed });
  });

  it.each([
    ['/topic/', 'bad_filter'],
    ['/topic/a/#/b', 'bad_filter'],
    ['/topic/a+', 'bad_filter'],
    ['/topic/a,/topic/b,/topic/c,/topic/d,/topic/e', 'bad_filter'],
    ['/user/queue/', 'bad_request'],
    ['/user/queue/a/b', 'bad_request'],
    ['/queue/a', 'not_found'],
    ['topic/a', 'not_found'],
  ])('refuses to subscribe to %s', (dest, code) => {
    expect(parseSubscribeDestination(dest, 4)).toMatchObject({ ok: false, code });
  });

  it.each([
    ['/topic/chat/room', { kind: 'publish', topic: 'chat/room' }],
    ['/app/devices/d-1/commands/led', { kind: 'command', device: 'd-1', name: 'led' }],
    ['/user/ada@example.org/queue/chat', { kind: 'user-queue', user: 'ada@example.org', queue: 'chat' }],
  ])('sends to %s', (dest, parsed) => {
    expect(parseSendDestination(dest)).toEqual({ ok: true, value: parsed });
  });

  it.each([
    ['/topic/a/+', 'bad_topic'],
    ['/topic/$SYS/x', 'bad_topic'],
    ['/topic/', 'bad_topic'],
    ['/topic/devices/d1/status', 'forbidden'],
    ['/topic/devices', 'forbidden'],
    ['/app/devices/-bad/commands/led', 'bad_device_id'],
    ['/app/devices/d1/commands/LED', 'bad_param'],
    ['/app/devices/d1/commands', 'not_found'],
    ['/user/bob/queue/commands', 'forbidden'],
    ['/user/-bob/queue/chat', 'bad_request'],
    ['/queue/x', 'not_found'],
  ])('refuses to send to %s', (dest, code) => {
    expect(parseSendDestination(dest)).toMatchObject({ ok: false, code });
  });
});
