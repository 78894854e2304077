/**
 * A reload of the users file applied to connected clients: still-allowed clients keep their
 * connection (no reconnect) with their new rights; a removed user, a changed password, or a
 * subscription the new role forbids ends the connection. New users log in without a restart.
 */
import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type UserStore, addUsers, removeUser } from '../../auth/index.js';
import { type TestBroker, cleanup, connectClient, inbox, loginAs, makeUsers, metric, passwordOf, refusedCode, startBroker, until } from './support/harness.js';

let tb: TestBroker;
let users: UserStore;

beforeEach(async () => {
  users = await makeUsers([
    ['d1', 'device'],
    ['d2', 'device'],
    ['d3', 'device'],
    ['watch', 'admin'],
    ['ops', 'admin'],
  ]);
  tb = await startBroker({ users });
});
afterEach(cleanup);

/** Records whether the client's connection ended (reconnecting is off in the harness). */
function track(c: MqttClient): { closed: () => boolean } {
  let closed = false;
  c.once('close', () => (closed = true));
  return { closed: () => closed };
}

describe('reloading the users', () => {
  it('keeps clients still allowed, with their new rights, and disconnects the others', async () => {
    const watcher = await connectClient(tb.url, loginAs('watch'));
    const got = inbox(watcher);
    await watcher.subscribeAsync('#', { qos: 1 });
    const d1 = await connectClient(tb.url, loginAs('d1', 'd1'));
    const d2 = await connectClient(tb.url, loginAs('d2', 'd2'));
    const d3 = await connectClient(tb.url, loginAs('d3', 'd3'));
    const ops = await connectClient(tb.url, loginAs('ops'));
    await ops.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const t1 = track(d1);
    const t2 = track(d2);
    const t3 = track(d3);
    const tOps = track(ops);
    const tWatch = track(watcher);

    // d1 gains a pattern, d2 goes, d3 gets a new password, ops becomes a device, d4 is new.
    await addUsers(users.file, [
      { name: 'd1', role: 'device', password: passwordOf('d1'), publish: ['extra/%u'] },
      { name: 'd3', role: 'device', password: 'changed' },
      { name: 'ops', role: 'device', password: passwordOf('ops') },
      { name: 'd4', role: 'device', password: passwordOf('d4') },
    ]);
    removeUser(users.file, 'd2');
    await users.reload();

    await until('the clients that lost their right are gone', () => t2.closed() && t3.closed() && tOps.closed());
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'access_revoked' })).toBe(3);
    await d1.publishAsync('extra/d1', 'new right', { qos: 1 });
    await until('the publish the new pattern allows arrives', () => got.some(([t]) => t === 'extra/d1'));
    expect(t1.closed()).toBe(false);
    expect(tWatch.closed()).toBe(false);
    expect(await refusedCode(tb.url, loginAs('d2', 'd2'))).toBe(4);
    expect(await refusedCode(tb.url, loginAs('d3', 'd3'))).toBe(4);
    const d4 = await connectClient(tb.url, loginAs('d4', 'd4'));
    await d4.publishAsync('devices/d4/telemetry', '{"t":1}', { qos: 1 });
    await until('the new user publishes', () => got.some(([t]) => t === 'devices/d4/telemetry'));
  });

  it('applies a role taken away to the next publish, and a bad file changes nothing', async () => {
    const ops = await connectClient(tb.url, loginAs('ops'));
    const tOps = track(ops);
    await ops.publishAsync('lab/before', 'ok', { qos: 1 });
    await addUsers(users.file, [{ name: 'ops', role: 'viewer', password: passwordOf('ops') }]);
    await users.reload();
    expect(tOps.closed()).toBe(false);
    ops.publish('lab/after', 'refused', { qos: 0 });
    await until('the publish the viewer role forbids closes the connection', () => tOps.closed());
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'publish_forbidden' })).toBe(1);

    const d1 = await connectClient(tb.url, loginAs('d1', 'd1'));
    const t1 = track(d1);
    writeFileSync(users.file, '{"version":1,"users":[{"name":"d1"');
    await expect(users.reload()).rejects.toThrow(/not valid JSON/);
    await d1.publishAsync('devices/d1/telemetry', '{"t":1}', { qos: 1 });
    expect(t1.closed()).toBe(false);
  });
});
