/** Who may connect: users file logins, anonymous rules, device client ids, wills, login rate. */
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../broker/index.js';
import { cleanup, connectClient, loginAs, makeUsers, metric, passwordOf, refusedCode, startBroker, warnings } from './support/harness.js';

afterEach(cleanup);

const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;

describe('logins with a users file', () => {
  it('lets users in with the right password and refuses a wrong one or an unknown user', async () => {
    const tb = await startBroker({ users: await makeUsers([['alice', 'viewer']]) });
    await connectClient(tb.url, loginAs('alice'));
    expect(await refusedCode(tb.url, { username: 'alice', password: 'wrong' })).toBe(BAD_CREDENTIALS);
    expect(await refusedCode(tb.url, { username: 'mallory', password: 'x' })).toBe(BAD_CREDENTIALS);
    expect(await metric(tb, 'fleetwire_mqtt_auth_failures_total')).toBe(2);
    expect(warnings(tb, 'bad user name or password')).toHaveLength(2);
  });

  it('refuses anonymous clients even on loopback, unless allowAnonymous (which it warns about)', async () => {
    const strict = await startBroker({ users: await makeUsers([['alice', 'viewer']]) });
    expect(await refusedCode(strict.url)).toBe(NOT_AUTHORIZED);
    expect(await metric(strict, 'fleetwire_mqtt_rejects_total', { reason: 'anonymous' })).toBe(1);

    const open = await startBroker({ users: await makeUsers([['alice', 'viewer']]), allowAnonymous: true });
    await connectClient(open.url);
    expect(warnings(open, 'ANONYMOUS ACCESS IS ON')).toHaveLength(1);
  });

  it('lets anonymous clients in on loopback when there is no users file', async () => {
    const tb = await startBroker({ users: null });
    const client = await connectClient(tb.url);
    expect(client.connected).toBe(true);
    expect(warnings(tb, 'ANONYMOUS')).toHaveLength(0);
  });

  it('makes a device connect with its own id as client id', async () => {
    const tb = await startBroker({ users: await makeUsers([['d1', 'device']]) });
    expect(await refusedCode(tb.url, loginAs('d1', 'someone-else'))).toBe(IDENTIFIER_REJECTED);
    await connectClient(tb.url, loginAs('d1', 'd1'));
  });

  it('refuses a CONNECT whose last will the user could not publish', async () => {
    const tb = await startBroker({ users: await makeUsers([['d1', 'device'], ['admin', 'admin']]) });
    const will = (topic: string) => ({ topic, payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true });
    expect(await refusedCode(tb.url, { ...loginAs('d1', 'd1'), will: will('devices/d2/status') })).toBe(NOT_AUTHORIZED);
    expect(await refusedCode(tb.url, { ...loginAs('admin'), will: will('$SYS/forged/heartbeat') })).toBe(NOT_AUTHORIZED);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'will_forbidden' })).toBe(2);
    await connectClient(tb.url, { ...loginAs('d1', 'd1'), will: will('devices/d1/status') });
  });

  it('stops checking passwords from an address after too many failures', async () => {
    const tb = await startBroker({ users: await makeUsers([['alice', 'viewer']]), limits: { authFailuresPerMinute: 2 } });
    for (let i = 0; i < 2; i++) expect(await refusedCode(tb.url, { username: 'alice', password: 'guess' })).toBe(BAD_CREDENTIALS);
    expect(await refusedCode(tb.url, { username: 'alice', password: passwordOf('alice') })).toBe(SERVER_UNAVAILABLE);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'login_rate' })).toBe(1);
  });

  it('gives CONNECTs held open at once no more password checks than the limit', async () => {
    const tb = await startBroker({ users: await makeUsers([['alice', 'viewer']]), limits: { authFailuresPerMinute: 3 } });
    const codes = await Promise.all(Array.from({ length: 12 }, (_, i) => refusedCode(tb.url, { clientId: `guess-${i}`, username: 'alice', password: 'guess' })));
    expect(codes.filter((c) => c === BAD_CREDENTIALS)).toHaveLength(3);
    expect(codes.filter((c) => c === SERVER_UNAVAILABLE)).toHaveLength(9);
    expect(await metric(tb, 'fleetwire_mqtt_auth_failures_total', {})).toBe(3);
  });

  it('does not count logins that pass against the address', async () => {
    const tb = await startBroker({ users: await makeUsers([['alice', 'viewer']]), limits: { authFailuresPerMinute: 2 } });
    for (let i = 0; i < 4; i++) (await connectClient(tb.url, { clientId: `ok-${i}`, username: 'alice', password: passwordOf('alice') })).end(true);
    expect(await refusedCode(tb.url, { username: 'alice', password: 'guess' })).toBe(BAD_CREDENTIALS);
  });
});

describe('binding beyond loopback', () => {
  it('is refused at start-up without a users file or allowAnonymous, naming the option', async () => {
    const err = await startBroker({ host: '0.0.0.0', users: null, allowAnonymous: false }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/0\.0\.0\.0 is not loopback.*users file.*allowAnonymous/);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
    ['::ffff:10.0.0.1', false],
    ['hub.example.com', false],
  ])('isLoopback(%s) is %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
