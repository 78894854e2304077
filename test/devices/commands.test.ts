import { describe, expect, it } from 'vitest';
import { command, eventually, onlineFleet, watch } from './support.js';

type Ack = { id: string; ok: boolean; result?: Record<string, unknown>; error?: string };

describe('device commands', () => {
  it('obeys and acks a valid LED command, keeps the state retained, refuses invalid ones with ok:false', async () => {
    const { broker, w } = await onlineFleet(['devices/led-1/ack', 'devices/led-1/led']);
    await eventually('retained initial LED state', () => w.json(/\/led$/).find((m) => m.retain && m.data.state === 'off'));

    await command(w, 'led-1', 'led', 'c1', { state: 'blink', color: '#00ff00' });
    const ack = await eventually('ack c1', () => w.json<Ack>(/\/ack$/).find((m) => m.data.id === 'c1'));
    expect(ack.data).toEqual({ id: 'c1', ok: true, result: { state: 'blink', color: '#00ff00' } });
    await eventually('LED blinking', () => w.json(/\/led$/).find((m) => m.data.state === 'blink' && m.data.color === '#00ff00'));

    const bad: Array<[string, string, unknown, RegExp]> = [
      ['c2', 'led', { state: 'purple' }, /state must be one of on, off, blink/],
      ['c3', 'led', { state: 'on', color: 'red' }, /color must be/],
      ['c4', 'led', { state: 'on', brightness: 3 }, /unknown argument 'brightness'/],
      ['c5', 'led', [1, 2], /args must be a JSON object/],
      ['c6', 'reboot', {}, /unknown command 'reboot'/],
    ];
    for (const [id, name, args] of bad) await command(w, 'led-1', name, id, args);
    const refused = await eventually('five refusals', () => {
      const acks = w.json<Ack>(/\/ack$/).filter((m) => m.data.id !== 'c1');
      return acks.length >= bad.length ? acks : undefined;
    });
    for (const [id, , , reason] of bad) {
      const a = refused.find((m) => m.data.id === id);
      expect(a?.data.ok, id).toBe(false);
      expect(a?.data.error, id).toMatch(reason);
    }
    // The LED kept its last valid state: no refusal changed it.
    const latest = w.json(/\/led$/).at(-1);
    expect(latest?.data).toEqual({ state: 'blink', color: '#00ff00' });

    // A fresh subscriber gets the state from the retained message.
    const late = await watch(broker.url, ['devices/led-1/led']);
    const retained = await eventually('retained LED', () => late.json(/\/led$/).find((m) => m.retain));
    expect(retained.data).toEqual({ state: 'blink', color: '#00ff00' });
  });

  it('ignores commands it cannot ack (no id, not JSON) and keeps working', async () => {
    const { w } = await onlineFleet(['devices/edge-1/ack']);
    await w.publish('devices/edge-1/cmd/led', 'not json');
    await w.publish('devices/edge-1/cmd/led', JSON.stringify({ args: { state: 'on' } }));
    await command(w, 'edge-1', 'led', 'after', { state: 'on' });
    const ack = await eventually('ack of the valid command', () => w.json<Ack>(/\/ack$/).find((m) => m.data.id === 'after'));
    expect(ack.data.ok).toBe(true);
    expect(w.seen).toHaveLength(1);
  });

  it('runs a firmware job: accepted → progress → reboot → new version in status', async () => {
    const { w } = await onlineFleet(['devices/thermo-1/#']);
    await command(w, 'thermo-1', 'firmware', 'fw1', { version: '2.1.0' });
    const done = await eventually('status with fw 2.1.0', () => w.json(/\/status$/).find((m) => m.data.fw === '2.1.0' && m.data.online === true));
    expect(done.retain).toBe(false);

    const ack = w.json<Ack>(/\/ack$/).find((m) => m.data.id === 'fw1');
    expect(ack?.data).toMatchObject({ ok: true, result: { job: 'fw1', from: '1.0.0', to: '2.1.0' } });
    const progress = w.json<{ type: string; job: string; percent: number; stage: string }>(/\/events$/).filter((m) => m.data.type === 'progress');
    expect(progress.map((p) => p.data.percent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(progress.every((p) => p.data.job === 'fw1')).toBe(true);
    // Order on the wire: ack, progress…, the reboot (offline status), then the new birth status.
    const order = w.seen.map((m) => m.topic.split('/')[2]);
    const firstProgress = w.seen.findIndex((m) => m.text.includes('"progress"'));
    const offline = w.seen.findIndex((m) => m.topic.endsWith('/status') && m.text.includes('"online":false'));
    const online = w.seen.findIndex((m) => m.topic.endsWith('/status') && m.text.includes('2.1.0'));
    expect(order.indexOf('ack')).toBeLessThan(firstProgress);
    expect(offline).toBeGreaterThan(firstProgress);
    expect(online).toBeGreaterThan(offline);

    // Same version again is refused; a second job while one runs is refused too.
    await command(w, 'thermo-1', 'firmware', 'fw2', { version: '2.1.0' });
    await command(w, 'thermo-1', 'firmware', 'fw3', { version: 'latest' });
    const refusals = await eventually('two refusals', () => {
      const a = w.json<Ack>(/\/ack$/).filter((m) => m.data.id === 'fw2' || m.data.id === 'fw3');
      return a.length === 2 ? a : undefined;
    });
    expect(refusals.find((a) => a.data.id === 'fw2')?.data.error).toMatch(/already running 2\.1\.0/);
    expect(refusals.find((a) => a.data.id === 'fw3')?.data.error).toMatch(/version must look like/);
  });

  it('fails a firmware job part-way when asked to, reporting why, and keeps the old version', async () => {
    const { w } = await onlineFleet(['devices/power-1/#']);
    await command(w, 'power-1', 'firmware', 'bad', { version: '3.0.0', failAt: 40, reason: 'flash write error' });
    const failed = await eventually('failed progress', () => w.json(/\/events$/).find((m) => m.data.stage === 'failed'));
    expect(failed.data).toMatchObject({ type: 'progress', job: 'bad', percent: 40, error: 'flash write error' });
    const percents = w.json(/\/events$/).filter((m) => m.data.type === 'progress').map((m) => m.data.percent);
    expect(percents).toEqual([10, 20, 30, 40]);
    // A later job is accepted: the failed one is over, and the device never rebooted.
    await command(w, 'power-1', 'firmware', 'next', { version: '3.0.1', failAt: 10 });
    await eventually('second job accepted', () => w.json<Ack>(/\/ack$/).find((m) => m.data.id === 'next' && m.data.ok));
    expect(w.json(/\/status$/).filter((m) => !m.retain)).toEqual([]);
  });
});
