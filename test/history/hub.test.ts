/**
 * History inside the whole hub, over real MQTT and HTTP: a QoS 1 PUBACK leaves only after
 * the commit, a locked database is reported while browsers keep getting live data, and a
 * kill -9 of the hub during QoS 1 ingest loses nothing that was acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubMessage } from '../../protocol/message.js';
import { type Db, openDatabase } from '../../storage/database.js';
import { type Session, sseClient } from '../bridge/support/transport-clients.js';
import { startHub, stopAll, tempDir, waitFor } from '../support/hub.js';

const HUB_PROCESS = fileURLToPath(new URL('./children/hub-process.ts', import.meta.url));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopAll();
});

function open(file: string): Db {
  const db = openDatabase(file);
  cleanups.push(() => db.open && db.close());
  return db;
}

async function connect(url: string, clientId: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
  cleanups.push(() => client.endAsync(true));
  return client;
}

async function watch(httpUrl: string, filters: string[]): Promise<Session> {
  const session = await sseClient.open(httpUrl, { filters });
  cleanups.push(() => session.close());
  return session;
}

const lockedErrors = async (httpUrl: string): Promise<number> => {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(/^fleetwire_history_write_errors_total\{reason="locked"\} (\d+)/m.exec(text)?.[1] ?? 0);
};

const storedOn = (db: Db, topic: string): string[] => db.prepare('SELECT data FROM history_messages WHERE topic = ? ORDER BY seq').pluck().all(topic) as string[];

describe('history in the hub', () => {
  it('sends the QoS 1 PUBACK only after the commit, and keeps fanning out while the file is locked', async () => {
    const hub = await startHub();
    const device = await connect(hub.mqttUrl, 'lock-probe');
    const browser = await watch(hub.httpUrl, ['devices/lock-probe/#']);
    const locker = open(hub.config.dbFile);
    const reader = open(hub.config.dbFile);
    locker.exec('BEGIN IMMEDIATE'); // another process's write lock: the hub's commit really cannot happen

    let acked = false;
    device.publish('devices/lock-probe/telemetry', JSON.stringify({ temperature: 1 }), { qos: 1 }, (err) => {
      acked = !err;
    });
    device.publish('devices/lock-probe/telemetry', JSON.stringify({ temperature: 2 }), { qos: 0 });
    await waitFor(() => browser.messages.length === 2, 10_000, 'live delivery while locked');
    await waitFor(async () => (await lockedErrors(hub.httpUrl)) >= 2, 10_000, 'failed commits reported in /metrics');
    expect(acked).toBe(false);
    expect(storedOn(reader, 'devices/lock-probe/telemetry')).toEqual([]);
    expect(browser.messages.map((m) => m.data)).toEqual([{ temperature: 1 }, { temperature: 2 }]);

    locker.exec('COMMIT');
    await waitFor(() => acked, 10_000, 'the PUBACK');
    expect(storedOn(reader, 'devices/lock-probe/telemetry')).toEqual(['{"temperature":1}', '{"temperature":2}']);
  });

  it('keeps every acknowledged QoS 1 message through a kill -9 of the hub, and seq continues above what browsers saw', async () => {
    const dataDir = tempDir();
    const dbFile = join(dataDir, 'fleetwire.db');
    const child = spawn(process.execPath, ['--import', 'tsx', HUB_PROCESS, dbFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => killed(child));
    const [mqttUrl, httpUrl] = await new Promise<string[]>((resolve, reject) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => line.startsWith('ready ') && resolve(line.split(' ').slice(1)));
      child.once('exit', (code) => reject(new Error(`hub exited with ${code} before it was ready`)));
    });
    const browser = await watch(httpUrl as string, ['devices/crash/#']);
    const device = await connect(mqttUrl as string, 'crash');

    // QoS 1 with 50 in flight, as a busy device would publish, until 2,000 are acknowledged.
    const acked: number[] = [];
    let sent = 0;
    const enough = new Promise<void>((resolve) => {
      const pump = (): void => {
        const n = ++sent;
        device.publish('devices/crash/telemetry', JSON.stringify({ value: n }), { qos: 1 }, (err) => {
          if (err) return;
          acked.push(n);
          if (acked.length >= 2_000) resolve();
          else pump();
        });
      };
      for (let i = 0; i < 50; i++) pump();
    });
    await enough;
    child.kill('SIGKILL');
    await killed(child);
    const seenLive = Math.max(...browser.messages.map((m) => m.seq));

    const db = open(dbFile);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Set(storedOn(db, 'devices/crash/telemetry'));
    for (const n of acked) expect(stored.has(JSON.stringify({ value: n }))).toBe(true);
    const lastStored = db.prepare('SELECT max(seq) FROM history_messages').pluck().get() as number;
    db.close();

    const hub = await startHub({ dataDir });
    const again = await connect(hub.mqttUrl, 'crash-again');
    await again.publishAsync('devices/crash/telemetry', JSON.stringify({ value: -1 }), { qos: 1 });
    const page = (await (await fetch(`${hub.httpUrl}/api/messages?topic=devices/crash/%23&since=${lastStored}`)).json()) as { messages: HubMessage[] };
    expect(page.messages.map((m) => m.data)).toEqual([{ value: -1 }]);
    expect((page.messages[0] as HubMessage).seq).toBeGreaterThan(seenLive);
  });
});

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGKILL');
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
