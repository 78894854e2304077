/** The fleet against another broker: mosquitto in its own process, when it is installed (CI installs it). */
import { describe, expect, it } from 'vitest';
import { mosquittoVersion, startMosquitto } from '../support/local-servers.js';
import { command, eventually, testFleet, track, watch } from './support.js';

const installed = mosquittoVersion() !== null;

describe.skipIf(!installed)('against mosquitto', () => {
  it('comes online, sends telemetry, obeys commands, and its last will fires', async () => {
    const mosquitto = await startMosquitto();
    track({ close: () => mosquitto.stop() });
    const { url } = mosquitto;
    const fleet = await testFleet(url);
    await fleet.ready();
    const w = await watch(url, ['devices/+/status', 'devices/+/telemetry', 'devices/+/ack']);
    await eventually('retained status of every device', () => new Set(w.json(/status$/).filter((m) => m.retain).map((m) => m.topic)).size === 5);
    await eventually('telemetry from every device', () => new Set(w.json(/telemetry$/).map((m) => m.topic)).size === 5);
    await command(w, 'edge-1', 'led', 'm1', { state: 'on', color: '#123456' });
    const ack = await eventually('ack', () => w.json(/ack$/).find((m) => m.data.id === 'm1'));
    expect(ack.data).toEqual({ id: 'm1', ok: true, result: { state: 'on', color: '#123456' } });
    fleet.faults.apply('drop', 'thermo-1');
    const will = await eventually('will', () => w.json(/thermo-1\/status$/).find((m) => !m.retain && m.data.online === false));
    expect(will.data).toEqual({ online: false });
  });
});
