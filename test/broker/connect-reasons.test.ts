/**
 * The reason an MQTT 5 client is refused at a rate limit, with real MQTT.js clients: CONNACK
 * 0x9F Connection rate exceeded (MQTT 5 §3.2.2.2) for the connects-per-client-id and the
 * failed-login limits, where a 3.1.1 client keeps return code 3 (server unavailable). The
 * other refusals keep their codes and a good login's CONNACK is unchanged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, makeUsers, passwordOf, refusedCode, startBroker } from './support/harness.js';

afterEach(cleanup);

const CONNECTION_RATE_EXCEEDED = 0x9f;
const BAD_USER_NAME_OR_PASSWORD = 0x86;

describe('CONNACK reason codes at the rate limits', () => {
  it('answers a client id connecting too often with 0x9F over MQTT 5 and 3 over 3.1.1', async () => {
    const tb = await startBroker({ limits: { connectsPerClientIdPerMinute: 2 } });
    for (let i = 0; i < 2; i++) await (await connectClient(tb.url, { clientId: 'flappy5', protocolVersion: 5 })).endAsync();
    expect(await refusedCode(tb.url, { clientId: 'flappy5', protocolVersion: 5 })).toBe(CONNECTION_RATE_EXCEEDED);
    for (let i = 0; i < 2; i++) await (await connectClient(tb.url, { clientId: 'flappy4', protocolVersion: 4 })).endAsync();
    expect(await refusedCode(tb.url, { clientId: 'flappy4', protocolVersion: 4 })).toBe(3);
  });

  it('answers logins past the failed-login limit with 0x9F over MQTT 5, and wrong passwords before it with 0x86', async () => {
    const tb = await startBroker({ users: await makeUsers([['alice', 'viewer']]), limits: { authFailuresPerMinute: 2 } });
    for (let i = 0; i < 2; i++) expect(await refusedCode(tb.url, { username: 'alice', password: 'guess', protocolVersion: 5 })).toBe(BAD_USER_NAME_OR_PASSWORD);
    expect(await refusedCode(tb.url, { username: 'alice', password: passwordOf('alice'), protocolVersion: 5 })).toBe(CONNECTION_RATE_EXCEEDED);
    expect(await refusedCode(tb.url, { username: 'alice', password: passwordOf('alice'), protocolVersion: 4 })).toBe(3);
  });

  it('leaves an accepted MQTT 5 CONNACK as Aedes wrote it', async () => {
    const tb = await startBroker({ limits: { connectsPerClientIdPerMinute: 2 } });
    const client = await connectClient(tb.url, { clientId: 'fine', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    const { connackPacket } = client as unknown as { connackPacket: { reasonCode?: number; sessionPresent: boolean } };
    expect(connackPacket.reasonCode ?? 0).toBe(0);
    await client.endAsync();
    const again = await connectClient(tb.url, { clientId: 'fine', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 } });
    expect((again as unknown as { connackPacket: { sessionPresent: boolean } }).connackPacket.sessionPresent).toBe(true);
  });
});
