/**
 * Client ids and filters named like Object.prototype members (GHSA-52qw-whmv-87c5, fixed in
 * Aedes 1.1.1 but not in the 2.0 beta the broker runs) are ordinary names: nothing throws.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, closed, connectClient, inbox, rawSession, startBroker, until } from './support/harness.js';
import { subscribePacket } from './support/raw-packets.js';

afterEach(cleanup);

describe('names Aedes keys plain objects by', () => {
  it.each([4, 5] as const)('serve as client ids and filters on protocol %i, also in a resumed session', async (protocolVersion) => {
    const tb = await startBroker();
    const opts = { protocolVersion, clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 600 } : {} };
    let first: MqttClient | null = null;
    for (const id of ['constructor', 'toString', 'hasOwnProperty']) {
      const client = await connectClient(tb.url, { ...opts, clientId: id });
      first ??= client;
      await client.subscribeAsync(['constructor', 'valueOf', 'lab/proto'], { qos: 1 });
      await client.endAsync();
      const back = await connectClient(tb.url, { ...opts, clientId: id });
      const got = inbox(back);
      const pub = await connectClient(tb.url);
      await pub.publishAsync('constructor', 'c', { qos: 1 });
      await pub.publishAsync('lab/proto', 'p', { qos: 1 });
      await until(`${id} gets both`, () => got.length === 2);
      expect(got.sort()).toEqual([['constructor', 'c'], ['lab/proto', 'p']]);
      await back.unsubscribeAsync(['constructor', 'valueOf', 'isPrototypeOf']);
    }
    expect(tb.broker.listening()).toBe(true);
  });

  it('drops a client that subscribes to __proto__ (Aedes would lose the filter and throw) and serves the rest', async () => {
    const tb = await startBroker();
    const bad = await rawSession(tb.port, 'proto-sub', { clean: false });
    bad.socket.write(subscribePacket(1, '__proto__', 1));
    await closed(bad.socket);
    const other = await connectClient(tb.url, { protocolVersion: 5 });
    const got = inbox(other);
    await other.subscribeAsync('lab/after', { qos: 1 });
    const again = await connectClient(tb.url, { clientId: 'proto-sub', clean: false });
    await again.publishAsync('lab/after', 'fine', { qos: 1 });
    await until('the broker still delivers', () => got.length === 1);
  });
});
