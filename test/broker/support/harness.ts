/**
 * Real brokers on ephemeral ports with their own temp database, real MQTT clients and raw
 * sockets for the broker tests. Everything started here is closed by `cleanup()` (afterEach).
 */
import { type Server, createServer } from 'node:http';
import { type AddressInfo, type Socket, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { type IClientOptions, type IConnackPacket, type MqttClient, connect, connectAsync } from 'mqtt';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type Role, type UserStore, addUsers, loadUsers } from '../../../auth/index.js';
import type { TopicPatterns } from '../../../auth/topic-patterns.js';
import { type Broker, type BrokerOptions, createBroker } from '../../../broker/index.js';
import { type Db, openDatabase } from '../../../storage/database.js';
import { rawClient } from './raw-client.js';
import { TempDirs } from '../../support/temp-dirs.js';
import { waitFor } from '../../support/wait.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestBroker {
  broker: Broker;
  db: Db;
  /** The temp directory holding the database; pass it to `startBroker` again for a restart. */
  dir: string;
  registry: Registry;
  logs: LogLine[];
  url: string;
  port: number;
  /** Closes the broker and its database (a restart keeps the directory). */
  stop(): Promise<void>;
}

const WARN = 40;

const brokers = new Set<TestBroker>();
const clients = new Set<MqttClient>();
const sockets = new Set<Socket>();
const temp = new TempDirs();
const upgradeServers = new Set<Server>();

export type StartOptions = Partial<Omit<BrokerOptions, 'db' | 'logger' | 'metrics'>> & { dir?: string };

export async function startBroker(options: StartOptions = {}): Promise<TestBroker> {
  const { dir = temp.make('fleetwire-broker-'), ...rest } = options;
  const db = openDatabase(join(dir, 'fleetwire.db'));
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const registry = new Registry();
  let broker: Broker;
  try {
    broker = await createBroker({ host: '127.0.0.1', port: 0, users: null, allowAnonymous: false, ...rest, db, logger, metrics: registry });
  } catch (err) {
    db.close();
    throw err;
  }
  const port = broker.mqttAddress?.port ?? 0; // 0: MQTT over TCP is off
  const handle: TestBroker = {
    broker,
    db,
    dir,
    registry,
    logs,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      brokers.delete(handle);
      await broker.close();
      db.close();
    },
  };
  brokers.add(handle);
  return handle;
}

/** A connected MQTT.js client that does not reconnect on its own; closed by cleanup(). */
export async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...opts }, false);
  clients.add(client);
  return client;
}

/** Connects, and reports whether the broker said it still held a session for the client id [MQTT-3.2.2-2]. */
export async function sessionPresent(url: string, opts: IClientOptions): Promise<boolean> {
  const client = connect(url, { reconnectPeriod: 0, ...opts });
  clients.add(client);
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  await client.endAsync();
  return connack.sessionPresent;
}

/** The CONNACK return code a refused connection got (MQTT.js puts it on the error). */
export async function refusedCode(url: string, opts: IClientOptions = {}): Promise<number> {
  try {
    await connectClient(url, opts);
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
  throw new Error('the connection was accepted');
}

/** The SUBACK return codes for these filters: the granted QoS, or 128 for a refused one [MQTT-3.9.3]. */
export function subackCodes(client: MqttClient, filters: string[], qos: 0 | 1 | 2): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(filters, { qos }, (err, _subs, packet) => (packet ? resolve(packet.granted as number[]) : reject(err ?? new Error('no SUBACK'))));
  });
}

/** A raw TCP socket to the broker, for bytes no client library would send. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    sockets.add(socket);
  });
}

/** A raw connection that has completed CONNECT/CONNACK; `types()` lists the packet types received after it. Closed by cleanup(). */
export async function rawSession(port: number, clientId: string, opts: { clean?: boolean } = {}): Promise<{ socket: Socket; types: () => number[] }> {
  const types: number[] = [];
  const socket = await rawClient(port, clientId, { ...opts, onPackets: (packets) => types.push(...packets.map((p) => p.type)) });
  sockets.add(socket);
  return { socket, types: () => types };
}

/** Resolves once the socket has been closed (by the broker, in these tests). */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

/** Collects the messages a client receives, as [topic, payload text]. */
export function inbox(client: MqttClient): [string, string][] {
  const got: [string, string][] = [];
  client.on('message', (topic, payload) => got.push([topic, payload.toString()]));
  return got;
}

/** waitFor with the name first, as these tests read: polls `check` until it returns something truthy. */
export const until = <T>(what: string, check: () => T | Promise<T>, ms = 10_000): Promise<NonNullable<Awaited<T>>> => waitFor(check, ms, what);

/** Warnings and errors the broker logged whose message includes `text`. */
export function warnings(tb: TestBroker, text: string): LogLine[] {
  return tb.logs.filter((l) => l.level >= WARN && l.msg.includes(text));
}

/** The value of a metric (summing every label set when `labels` is omitted). */
export async function metric(tb: TestBroker, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = tb.registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
}

/** A users store with these users (password = name + '-pw'), from a real users file in a temp dir. */
export async function makeUsers(users: [string, Role, TopicPatterns?][]): Promise<UserStore> {
  const dir = temp.make('fleetwire-users-');
  const file = join(dir, 'users.json');
  await addUsers(file, users.map(([name, role, patterns]) => ({ name, role, password: passwordOf(name), ...patterns })));
  return loadUsers(file);
}

export const passwordOf = (name: string): string => `${name}-pw`;

/** Client options logging in as `name` (a device also uses its name as client id). */
export const loginAs = (name: string, clientId = `${name}-${Math.random().toString(36).slice(2, 8)}`): IClientOptions => ({ username: name, password: passwordOf(name), clientId });

/** An HTTP server that hands upgrades on /mqtt to the broker, as the hub's does; its ws:// URL. */
export async function serveUpgrades(tb: TestBroker): Promise<string> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => {
    if (req.url === '/mqtt') tb.broker.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  upgradeServers.add(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/mqtt`;
}

export async function cleanup(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => undefined)));
  clients.clear();
  await Promise.all([...brokers].map((b) => b.stop()));
  // after the brokers: upgraded sockets keep close() waiting until they are gone
  for (const http of upgradeServers) http.closeAllConnections();
  await Promise.all([...upgradeServers].map((http) => new Promise((resolve) => http.close(resolve))));
  upgradeServers.clear();
  temp.remove();
}
