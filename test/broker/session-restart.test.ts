/** Broker state in SQLite survives a restart: persistent sessions with their queued QoS 1 messages, and retained messages. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectClient, inbox, sessionPresent, startBroker, until } from './support/harness.js';

afterEach(cleanup);

describe('persistent sessions across a broker restart', () => {
  it('delivers QoS 1 messages queued while the client was away, after the broker restarted', async () => {
    const first = await startBroker();
    const session = { clientId: 'sess-1', clean: false };
    const away = await connectClient(first.url, session);
    await away.subscribeAsync('lab/queue/#', { qos: 1 });
    await away.endAsync();

    const pub = await connectClient(first.url);
    for (const n of [1, 2, 3]) await pub.publishAsync(`lab/queue/${n}`, `m${n}`, { qos: 1 });
    await pub.publishAsync('lab/retained', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('lab/queue/zero', 'at most once', { qos: 0 }); // QoS 0 is not queued for the absent
    await pub.endAsync();
    await first.stop();

    const second = await startBroker({ dir: first.dir });
    const back = await connectClient(second.url, session);
    const got = inbox(back);
    await until('the three queued messages arrive', () => got.length >= 3);
    expect(got).toEqual([
      ['lab/queue/1', 'm1'],
      ['lab/queue/2', 'm2'],
      ['lab/queue/3', 'm3'],
    ]);

    // The session's subscription came back too: a new message reaches it without subscribing again.
    const pub2 = await connectClient(second.url);
    await pub2.publishAsync('lab/queue/4', 'm4', { qos: 1 });
    await until('the live message arrives', () => got.length === 4);
    expect(got[3]).toEqual(['lab/queue/4', 'm4']);

    const fresh = await connectClient(second.url);
    const retained = inbox(fresh);
    await fresh.subscribeAsync('lab/retained', { qos: 1 });
    await until('the retained message arrives', () => retained.length === 1);
    expect(retained).toEqual([['lab/retained', 'kept']]);
  });

  it('says the session is present on reconnect, until a clean session ends it', async () => {
    const tb = await startBroker();
    const c1 = await connectClient(tb.url, { clientId: 'sess-2', clean: false });
    await c1.subscribeAsync('lab/x', { qos: 1 });
    await c1.endAsync();

    expect(await sessionPresent(tb.url, { clientId: 'sess-2', clean: false })).toBe(true);
    expect(await sessionPresent(tb.url, { clientId: 'sess-2', clean: true })).toBe(false); // [MQTT-3.2.2-1]
    expect(await sessionPresent(tb.url, { clientId: 'sess-2', clean: false })).toBe(false);
  });
});
