/**
 * The ACL matrix over real connections: each role publishing and subscribing on allowed and
 * forbidden topics. A forbidden publish closes the publisher's connection and reaches nobody;
 * a forbidden subscription gets the 0x80 failure code and receives nothing.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserStore } from '../../auth/index.js';
import { type TestBroker, cleanup, connectClient, inbox, loginAs, makeUsers, metric, startBroker, subackCodes, until } from './support/harness.js';

let tb: TestBroker;
let users: UserStore;

beforeEach(async () => {
  users ??= await makeUsers([
    ['d1', 'device'],
    ['viewer', 'viewer'],
    ['admin', 'admin'],
  ]);
  tb = await startBroker({ users });
});
afterEach(cleanup);

const login = (name: string) => (name === 'd1' ? loginAs('d1', 'd1') : loginAs(name));

/** An admin watching everything; `seen()` waits until a sentinel it publishes itself has come back. */
async function watch(): Promise<{ got: [string, string][]; seen: () => Promise<void> }> {
  const watcher = await connectClient(tb.url, login('admin'));
  const got = inbox(watcher);
  await watcher.subscribeAsync('#', { qos: 1 });
  const seen = async () => {
    await watcher.publishAsync('lab/sentinel', 'end', { qos: 1 });
    await until('the sentinel comes back', () => got.some(([t]) => t === 'lab/sentinel'));
  };
  return { got, seen };
}

const closedEvent = (c: MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()));

describe('publish ACL', () => {
  it.each([
    ['d1', 'devices/d1/telemetry', true],
    ['d1', 'devices/d1/status', true],
    ['d1', 'devices/d1/telemetry/temperature', true],
    ['d1', 'devices/d1/ack', true],
    ['d1', 'devices/d2/telemetry', false],
    ['d1', 'devices/d1/cmd/reboot', false],
    ['d1', 'devices/d1', false],
    ['d1', 'lab/free', false],
    ['viewer', 'devices/d1/telemetry', false],
    ['viewer', 'lab/free', false],
    ['admin', 'devices/d1/cmd/led', true],
    ['admin', 'lab/free', true],
    ['admin', '$SYS/forged/heartbeat', false],
  ])('%s publishing on %s: allowed=%s', async (name, topic, allowed) => {
    const { got, seen } = await watch();
    const client = await connectClient(tb.url, login(name));
    const gone = closedEvent(client);
    client.publish(topic, 'payload', { qos: 0 });
    if (allowed) {
      await until('the message reaches the watcher', () => got.some(([t]) => t === topic));
      expect(client.connected).toBe(true);
    } else {
      await gone;
      await seen();
      expect(got.map(([t]) => t)).toEqual(['lab/sentinel']);
      expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'publish_forbidden' })).toBe(1);
    }
  });
});

describe('subscribe ACL', () => {
  it.each([
    ['d1', 'devices/d1/cmd/#', true],
    ['d1', 'devices/d1/cmd/led', true],
    ['d1', 'devices/d1/cmd/+', true],
    ['d1', 'devices/d2/cmd/#', false],
    ['d1', 'devices/+/cmd/#', false],
    ['d1', 'devices/d1/#', false],
    ['d1', 'devices/d1/telemetry', false],
    ['d1', '#', false],
    ['viewer', '#', true],
    ['viewer', 'devices/+/telemetry', true],
    ['admin', '#', true],
  ])('%s subscribing to %s: allowed=%s', async (name, filter, allowed) => {
    const client = await connectClient(tb.url, login(name));
    expect(await subackCodes(client, [filter], 1)).toEqual([allowed ? 1 : 128]);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'subscribe_forbidden' })).toBe(allowed ? 0 : 1);
  });

  it('delivers commands to a device for its own id only', async () => {
    const device = await connectClient(tb.url, login('d1'));
    const got = inbox(device);
    expect(await subackCodes(device, ['devices/d1/cmd/#', 'devices/d2/cmd/#'], 1)).toEqual([1, 128]);
    const admin = await connectClient(tb.url, login('admin'));
    await admin.publishAsync('devices/d2/cmd/led', '{"id":"c0"}', { qos: 1 });
    await admin.publishAsync('devices/d1/cmd/led', '{"id":"c1"}', { qos: 1 });
    await until('the command arrives', () => got.length > 0);
    await admin.publishAsync('devices/d1/cmd/last', '{"id":"c2"}', { qos: 1 });
    await until('the last command arrives', () => got.length >= 2);
    expect(got).toEqual([
      ['devices/d1/cmd/led', '{"id":"c1"}'],
      ['devices/d1/cmd/last', '{"id":"c2"}'],
    ]);
  });
});
