/**
 * Test support for the fleet: a plain Aedes broker on port 0 (independent of broker/), an MQTT
 * watcher that records what devices publish, polling with a deadline, `fleetwire fleet` in its
 * own process, and a cleanup list so every broker, fleet, process and client a test starts is
 * closed even when the test fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Aedes, type AedesOptions } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { type Fleet, type FleetOptions, createFleet } from '../../devices/index.js';
import { waitFor } from '../support/wait.js';

export const silentLogger = pino({ level: 'silent' });

type Closable = { close(): unknown };
const open: Closable[] = [];

/** Registers `thing` to be closed after the current test; returns it. */
export function track<T extends Closable>(thing: T): T {
  open.push(thing);
  return thing;
}

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

/** Polls `check` until it returns a value other than undefined/false (0 and '' count as values), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const found = await waitFor(() => {
    const value = check();
    return value === undefined || value === false ? undefined : { value };
  }, timeoutMs, what);
  return found.value;
}

export interface Seen {
  topic: string;
  text: string;
  retain: boolean;
  at: number;
}

export interface TestBroker {
  readonly url: string;
  readonly port: number;
  /** Every message clients published, recorded inside the broker (so none is missed around a restart). */
  readonly published: Seen[];
  /** Stops the broker and starts a fresh one (empty state) on the same port. */
  restart(): Promise<void>;
  /** Stops it without starting again. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

interface Running {
  aedes: Aedes;
  server: Server;
  sockets: Set<Socket>;
}

async function listen(port: number, published: Seen[], opts: Partial<AedesOptions>): Promise<Running> {
  const aedes = await Aedes.createBroker(opts);
  aedes.on('publish', (packet, client) => {
    if (client) published.push({ topic: packet.topic, text: packet.payload.toString(), retain: packet.retain, at: Date.now() });
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { aedes, server, sockets };
}

async function shut(r: Running): Promise<void> {
  await new Promise<void>((resolve) => r.aedes.close(() => resolve()));
  for (const s of r.sockets) s.destroy();
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
}

/** A plain Aedes with in-memory persistence on 127.0.0.1, port 0; `opts` e.g. an authenticate hook. */
export async function startBroker(opts: Partial<AedesOptions> = {}): Promise<TestBroker> {
  const published: Seen[] = [];
  let running: Running | null = await listen(0, published, opts);
  const port = (running.server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    const r = running;
    running = null;
    if (r) await shut(r);
  };
  return track({
    url: `mqtt://127.0.0.1:${port}`,
    port,
    published,
    restart: async () => {
      await stop();
      running = await listen(port, published, opts);
    },
    stop,
    close: stop,
  });
}

export interface Watcher {
  readonly seen: Seen[];
  /** Messages on topics matching `re`, parsed as JSON. */
  json<T = Record<string, unknown>>(re: RegExp): Array<{ topic: string; data: T; retain: boolean }>;
  publish(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** A plain MQTT client subscribed to `filters`, recording everything it receives. */
export async function watch(url: string, filters: string[]): Promise<Watcher> {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 200, clean: true });
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, text: payload.toString('utf8'), retain: packet.retain, at: Date.now() }));
  await client.subscribeAsync(filters, { qos: 1 });
  return track({
    seen,
    json: <T>(re: RegExp) =>
      seen
        .filter((m) => re.test(m.topic))
        .flatMap((m) => {
          try {
            return [{ topic: m.topic, data: JSON.parse(m.text) as T, retain: m.retain }];
          } catch {
            return [];
          }
        }),
    publish: async (topic: string, payload: string) => {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    close: () => client.endAsync(true),
  });
}

/** A fleet tuned for tests: fast readings and reconnects, quiet logs; closed after the test. */
export async function testFleet(broker: string, opts: Partial<FleetOptions> = {}): Promise<Fleet> {
  return track(
    await createFleet({
      broker,
      count: 5,
      mix: { thermo: 1, power: 1, led: 1, hub: 1, edge: 1 },
      intervalMs: 50,
      firmwareDurationMs: 500,
      reconnect: { baseMs: 50, maxMs: 400 },
      logger: silentLogger,
      ...opts,
    }),
  );
}

/** Sends a command the way the hub does: QoS 1 on `devices/{id}/cmd/{name}`. */
export async function command(w: Watcher, device: string, name: string, id: string, args: unknown): Promise<void> {
  await w.publish(`devices/${device}/cmd/${name}`, JSON.stringify({ id, args }));
}

/** Groups messages by the device id in their topic. */
export function byDevice<M extends { topic: string }>(messages: M[]): Map<string, M[]> {
  const map = new Map<string, M[]>();
  for (const m of messages) {
    const id = m.topic.split('/')[1] ?? '';
    map.set(id, [...(map.get(id) ?? []), m]);
  }
  return map;
}

/** A broker, a test fleet with every device online, and a watcher subscribed to `filters` afterwards. */
export async function onlineFleet(filters: string[], opts: Partial<FleetOptions> = {}): Promise<{ broker: TestBroker; fleet: Fleet; w: Watcher }> {
  const broker = await startBroker();
  const fleet = await testFleet(broker.url, opts);
  await fleet.ready();
  return { broker, fleet, w: await watch(broker.url, filters) };
}

const FIXTURE = fileURLToPath(new URL('./fixtures/fleet-cli.ts', import.meta.url));

export interface Run {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/** Starts `fleetwire fleet` in its own process; it is stopped by PID after the test. */
export function runFleet(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  track({ close: () => (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined) });
  return { child, lines, exited };
}
