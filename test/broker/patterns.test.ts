/**
 * Per-user topic patterns over real connections: a Tasmota-style device allowed its own
 * `tele/%u/#` and `cmnd/%u/#` without being an admin, and `%c` bound to the client id. What a
 * pattern allows is delivered; anything past it is refused and reaches nobody.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserStore } from '../../auth/index.js';
import { type TestBroker, cleanup, connectClient, inbox, loginAs, makeUsers, metric, startBroker, subackCodes, until } from './support/harness.js';

let tb: TestBroker;
let users: UserStore;

beforeEach(async () => {
  users ??= await makeUsers([
    ['plug1', 'device', { publish: ['tele/%u/#', 'stat/%u/#'], subscribe: ['cmnd/%u/#'] }],
    ['bench', 'viewer', { publish: ['lab/%c/#'] }],
    ['admin', 'admin'],
  ]);
  tb = await startBroker({ users });
});
afterEach(cleanup);

const closedEvent = (c: MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()));

async function watcher(): Promise<{ got: [string, string][]; flush: () => Promise<void> }> {
  const admin = await connectClient(tb.url, loginAs('admin'));
  const got = inbox(admin);
  await admin.subscribeAsync('#', { qos: 1 });
  return {
    got,
    flush: async () => {
      await admin.publishAsync('lab/sentinel', 'end', { qos: 1 });
      await until('the sentinel comes back', () => got.some(([t]) => t === 'lab/sentinel'));
    },
  };
}

describe('topic patterns', () => {
  it('lets a device publish on its own foreign topics and on its native ones', async () => {
    const { got, flush } = await watcher();
    const plug = await connectClient(tb.url, loginAs('plug1', 'plug1'));
    await plug.publishAsync('tele/plug1/SENSOR', '{"ENERGY":{"Voltage":230}}', { qos: 1 });
    await plug.publishAsync('stat/plug1/POWER', 'ON', { qos: 1 });
    await plug.publishAsync('devices/plug1/telemetry', '{"voltage":230}', { qos: 1 });
    await flush();
    expect(got.map(([t]) => t)).toEqual(['tele/plug1/SENSOR', 'stat/plug1/POWER', 'devices/plug1/telemetry', 'lab/sentinel']);
  });

  it.each(['tele/plug2/SENSOR', 'cmnd/plug1/POWER', 'tele'])('refuses the device a publish on %s and delivers it to nobody', async (topic) => {
    const { got, flush } = await watcher();
    const plug = await connectClient(tb.url, loginAs('plug1', 'plug1'));
    const gone = closedEvent(plug);
    plug.publish(topic, 'x', { qos: 0 });
    await gone;
    await flush();
    expect(got.map(([t]) => t)).toEqual(['lab/sentinel']);
    expect(await metric(tb, 'fleetwire_mqtt_rejects_total', { reason: 'publish_forbidden' })).toBe(1);
  });

  it('grants subscriptions inside a pattern only, and delivers commands there', async () => {
    const plug = await connectClient(tb.url, loginAs('plug1', 'plug1'));
    const got = inbox(plug);
    expect(await subackCodes(plug, ['cmnd/plug1/#', 'cmnd/plug1/POWER', 'cmnd/+/POWER', 'cmnd/#', 'tele/plug1/#'], 1)).toEqual([1, 1, 128, 128, 128]);
    const admin = await connectClient(tb.url, loginAs('admin'));
    await admin.publishAsync('cmnd/plug2/POWER', 'OFF', { qos: 1 });
    await admin.publishAsync('cmnd/plug1/POWER', 'ON', { qos: 1 });
    await until('the command arrives', () => got.length > 0);
    await admin.publishAsync('cmnd/plug1/Dimmer', '50', { qos: 1 });
    await until('the second command arrives', () => got.length >= 2);
    expect(got).toEqual([
      ['cmnd/plug1/POWER', 'ON'],
      ['cmnd/plug1/Dimmer', '50'],
    ]);
  });

  it('binds %c to the client id the user connected with', async () => {
    const { got, flush } = await watcher();
    const a = await connectClient(tb.url, loginAs('bench', 'rig-a'));
    await a.publishAsync('lab/rig-a/reading', '1', { qos: 1 });
    const gone = closedEvent(a);
    a.publish('lab/rig-b/reading', '2', { qos: 0 });
    await gone;
    await flush();
    expect(got.map(([t]) => t)).toEqual(['lab/rig-a/reading', 'lab/sentinel']);
  });

  it('checks a last will against the patterns when the client connects', async () => {
    const { got, flush } = await watcher();
    const plug = await connectClient(tb.url, { ...loginAs('plug1', 'plug1'), will: { topic: 'tele/plug1/LWT', payload: Buffer.from('Offline'), qos: 1, retain: false } });
    plug.stream.destroy();
    await until('the will is published', () => got.some(([t]) => t === 'tele/plug1/LWT'));
    await expect(connectClient(tb.url, { ...loginAs('plug1', 'plug1'), will: { topic: 'tele/plug2/LWT', payload: Buffer.from('Offline'), qos: 1, retain: false } })).rejects.toThrow();
    await flush();
    expect(got.filter(([t]) => t.endsWith('/LWT'))).toEqual([['tele/plug1/LWT', 'Offline']]);
  });
});
