/** The fleet against another broker: mosquitto in its own process, when it is installed. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command, eventually, testFleet, track, watch } from './support.js';

const installed = spawnSync('mosquitto', ['-h']).error === undefined;

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/** Starts mosquitto on a free loopback port; it is stopped by its PID after the test. */
async function startMosquitto(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const dir = mkdtempSync(join(tmpdir(), 'fleet-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type error\n`);
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  track({
    close: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  });
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline) throw new Error('mosquitto did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
  return `mqtt://127.0.0.1:${port}`;
}

describe.skipIf(!installed)('against mosquitto', () => {
  it('comes online, sends telemetry, obeys commands, and its last will fires', async () => {
    const url = await startMosquitto();
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
