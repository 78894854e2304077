/**
 * `npm run bench -- bridge [--seconds 5] [--runs 3] [--sse 1000] [--ws 1000] [--stomp 0] [--fleet 10000] [--watch 10] [--devices 100] [--rates 1000,10000] [--cpu-prof DIR]`
 *
 * The whole hub (createFleetwire: broker, bridge, SQLite history) runs in a child process; devices
 * and browsers run in this one, so device → browser latency is read on one clock.
 *
 * 1. A fleet: `--fleet` MQTT devices each publish telemetry (QoS 0) carrying the send time once
 *    a second, for `--seconds` after a 1 s warm-up, `--runs` times; `--sse` EventSource-style,
 *    `--ws` WebSocket and `--stomp` STOMP-over-WebSocket browsers each watch `--watch` devices,
 *    so every message reaches (sse + ws + stomp) × watch / fleet browsers. Prints p50/p99/max of
 *    publish → browser receive (medians of the runs, and each run's p99), and how many of the
 *    expected deliveries arrived. `--fleet 0` skips it.
 * 2. Fan-out: `--devices` devices publish at each rate of `--rates` msg/s in total, the same
 *    browsers each watching one of them, so every message reaches (sse + ws + stomp) / devices
 *    browsers; the same figures.
 * 3. Saturation: those devices publish at QoS 1 as fast as the hub acknowledges; prints messages
 *    ingested per second and deliveries per second counted by the hub
 *    (fleetwire_bridge_deliveries_total: handed to a transport) and seen by the browsers.
 * 4. Cost per transport: 20 browsers on each transport watch one device publishing 50 msg/s;
 *    prints bytes received (headers, framing and body) and HTTP requests per delivered
 *    message. Short polls ask again at once after messages, 250 ms after an empty answer.
 *
 * Each rate and the saturation run also print the hub process's CPU time per 1,000 deliveries
 * (from /proc, ingest and storage included), steadier than rates on a shared machine.
 * `--cpu-prof DIR` has the hub process write a V8 CPU profile (`.cpuprofile`) into DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { type HubProcess, hubCounter, startHubProcess } from './support/hub-process.js';
import { cpuSeconds } from './support/proc.js';
import { flag, median, quantile, sleep } from './support/stats.js';

const WARMUP_MS = 1000;
/** Publish ticks per second when pacing a rate. */
const TICKS_PER_S = 100;
const CONNECT_BATCH = 100;
const DEVICE_BATCH = 1_000;
/** QoS 1 publishes a flooding device keeps unacknowledged. */
const IN_FLIGHT = 20;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const now = () => performance.timeOrigin + performance.now();

/** Receive-side tallies shared by every browser of a run: messages count when they were sent inside the window. */
class Tally {
  latencies = new Float64Array(4_000_000);
  samples = 0;
  delivered = 0;
  /** Every message received, whenever it was sent. */
  received = 0;
  bytes = 0;
  requests = 0;
  private from = Infinity;
  private to = Infinity;

  take(json: string): void {
    this.takeMessage(JSON.parse(json) as { data: unknown });
  }

  takeMessage(msg: { data: unknown }): void {
    this.received++;
    const sent = (msg.data as { sent?: number }).sent;
    if (sent === undefined || sent < this.from || sent >= this.to) return;
    this.delivered++;
    if (this.samples < this.latencies.length) this.latencies[this.samples++] = now() - sent;
  }

  /** Starts counting messages sent from now on (and bytes and requests from now on). */
  open(): void {
    this.samples = this.delivered = this.bytes = this.requests = 0;
    this.from = now();
    this.to = Infinity;
  }

  /** Messages sent from now on no longer count; ones already sent may still arrive. */
  shut(): void {
    this.to = now();
  }
}

interface Browser {
  close(): void;
}

/** Opens a browser watching `topics` (one filter each). */
type BrowserFactory = (httpUrl: string, topics: readonly string[], tally: Tally) => Promise<Browser>;

const topicOf = (device: number) => `devices/bench${device}/telemetry`;
/** The device topic the cost runs watch: no backlog from the earlier runs. */
const COST_TOPIC = 'devices/benchcost/telemetry';

/** The `topic=` query of a stream or poll URL, one parameter per filter. */
const topicQuery = (topics: readonly string[]) => topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&');

/** Bytes of a response's head as sent: `HTTP/1.1 200 OK\r\n`, each `Name: value\r\n`, the blank line. */
const headerBytes = (res: IncomingMessage) => res.rawHeaders.reduce((n, h) => n + Buffer.byteLength(h) + 2, `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2);

/**
 * A browser on a never-ending HTTP response: `split` takes the text buffered so far, hands each
 * complete message JSON to the tally, and returns the unfinished rest.
 */
function streamBrowser(url: string, tally: Tally, split: (buffer: string) => string): Promise<Browser> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      tally.bytes += headerBytes(res);
      tally.requests++;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        tally.bytes += Buffer.byteLength(chunk);
        buffer = split(buffer + chunk);
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const sseBrowser: BrowserFactory = (httpUrl, topics, tally) =>
  streamBrowser(`${httpUrl}/events?${topicQuery(topics)}`, tally, (buffer) => {
    const events = buffer.split('\n\n');
    for (const event of events.slice(0, -1)) {
      const data = event.indexOf('\ndata: {"seq"');
      if (data !== -1) tally.take(event.slice(data + 7));
    }
    return events.at(-1) ?? '';
  });

const iframeBrowser: BrowserFactory = (httpUrl, topics, tally) =>
  streamBrowser(`${httpUrl}/stream/iframe?${topicQuery(topics)}`, tally, (buffer) => {
    const calls = buffer.split(/m\((\{"seq".*?\})\);/);
    for (let i = 1; i < calls.length; i += 2) tally.take(calls[i] as string);
    return calls.at(-1) ?? '';
  });

/**
 * A browser on a WebSocket: the upgrade counts as a request and every byte read off the socket
 * is counted. `hello` is sent on open; `take` handles each text message and says when the
 * subscription is in place (true), or the browser is ready on open when `take` is not asked.
 */
function socketBrowser(url: string, protocols: string[], tally: Tally, hello: string, take: (text: string) => boolean, readyOnOpen: boolean): Promise<Browser> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const browser = { close: () => ws.terminate() };
    let socket: Socket | null = null;
    let counted = 0;
    ws.once('upgrade', (res) => {
      socket = res.socket as Socket;
      tally.requests++;
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(hello);
      if (readyOnOpen) resolve(browser);
    });
    ws.on('message', (data) => {
      const read = socket?.bytesRead ?? 0;
      tally.bytes += read - counted;
      counted = read;
      if (take(String(data))) resolve(browser);
    });
  });
}

const wsBrowser: BrowserFactory = (httpUrl, topics, tally) =>
  socketBrowser(
    `${httpUrl.replace(/^http/, 'ws')}/ws`,
    [],
    tally,
    JSON.stringify({ op: 'subscribe', topics }),
    (text) => {
      tally.take(text);
      return false;
    },
    true,
  );

/** STOMP on `GET /stomp`, one SUBSCRIBE per topic, the last asking for a receipt; the hub sends one MESSAGE per WebSocket message, its body after the blank line. */
const stompBrowser: BrowserFactory = (httpUrl, topics, tally) =>
  socketBrowser(
    `${httpUrl.replace(/^http/, 'ws')}/stomp`,
    ['v12.stomp'],
    tally,
    `CONNECT\naccept-version:1.2\n\n\0${topics.map((t, i) => `SUBSCRIBE\nid:${i}\ndestination:/topic/${t}\n${i === topics.length - 1 ? 'receipt:ready\n' : ''}\n\0`).join('')}`,
    (text) => {
      if (text.startsWith('MESSAGE')) tally.take(text.slice(text.indexOf('\n\n') + 2, -1));
      return text.startsWith('RECEIPT');
    },
    false,
  );

/** Polls in a loop from an explicit cursor; `long` waits at the hub, short waits here after an empty answer. */
async function pollBrowser(httpUrl: string, topics: readonly string[], tally: Tally, long: boolean): Promise<Browser> {
  let open = true;
  const get = (path: string): Promise<{ messages: { data: unknown }[]; next: number }> =>
    new Promise((resolve, reject) => {
      const req = request(`${httpUrl}${path}`, (res) => {
        tally.bytes += headerBytes(res);
        tally.requests++;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          tally.bytes += Buffer.byteLength(body);
          resolve(JSON.parse(body) as { messages: { data: unknown }[]; next: number });
        });
      });
      req.on('error', reject);
      req.end();
    });
  const query = topicQuery(topics);
  let cursor = (await get(`/api/messages?${query}`)).next;
  void (async () => {
    while (open) {
      const body = await get(long ? `/api/poll?${query}&since=${cursor}&timeout=30&limit=1000` : `/api/messages?${query}&since=${cursor}&limit=1000`).catch(() => null);
      if (!body) return;
      for (const m of body.messages) tally.takeMessage(m);
      cursor = body.next;
      if (!long && body.messages.length === 0) await sleep(250);
    }
  })();
  return { close: () => (open = false) };
}

const TRANSPORTS: [string, BrowserFactory][] = [
  ['sse', sseBrowser],
  ['ws', wsBrowser],
  ['long-poll', (u, d, t) => pollBrowser(u, d, t, true)],
  ['short-poll', (u, d, t) => pollBrowser(u, d, t, false)],
  ['iframe', iframeBrowser],
  ['stomp', stompBrowser],
];

/** Opens `count` browsers, the i-th watching `topicsFor(i)`. */
async function openBrowsers(factory: BrowserFactory, httpUrl: string, count: number, topicsFor: (i: number) => string[], tally: Tally): Promise<Browser[]> {
  const browsers: Browser[] = [];
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    browsers.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, (_, j) => factory(httpUrl, topicsFor(i + j), tally)))));
  }
  return browsers;
}

/** Publishes `rate` msg/s in total, round-robin over the devices (on `topic` when given), until `ms` pass; returns messages sent. */
async function paced(devices: MqttClient[], rate: number, ms: number, topic?: string): Promise<number> {
  let sent = 0;
  const start = performance.now();
  for (let elapsed = 0; elapsed < ms; elapsed = performance.now() - start) {
    // Catch up to the schedule: timers fire late under load, and the rate must still hold.
    for (const due = Math.floor((rate * elapsed) / 1000); sent < due; sent++) {
      const d = sent % devices.length;
      (devices[d] as MqttClient).publish(topic ?? topicOf(d), `{"v":${sent % 100},"sent":${now()}}`, { qos: 0 });
    }
    await sleep(1000 / TICKS_PER_S);
  }
  return sent;
}

/**
 * Publishes as fast as the hub takes it: QoS 1, each device keeping `IN_FLIGHT` publishes
 * unacknowledged (the PUBACK waits for the store's commit), until `ms` pass. A closed loop, so
 * nothing piles up in socket buffers to be worked off later.
 */
async function flood(devices: MqttClient[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  await Promise.all(
    devices.map(
      (client, d) =>
        new Promise<void>((resolve) => {
          let n = 0;
          let open = 0;
          const next = (): void => {
            if (Date.now() >= end) {
              if (open === 0) resolve();
              return;
            }
            for (; open < IN_FLIGHT; open++) {
              client.publish(topicOf(d), `{"v":${n++ % 100},"sent":${now()}}`, { qos: 1 }, () => {
                open--;
                next();
              });
            }
          };
          next();
        }),
    ),
  );
}

/** How many browsers of each transport watch, and how many devices each watches. */
interface Audience {
  sse: number;
  ws: number;
  stomp: number;
  watch: number;
}

/** Browsers watching `devices`: browser i watches `watch` devices from i × watch on, round the fleet. */
async function openAudience(httpUrl: string, devices: number, a: Audience, tally: Tally): Promise<{ browsers: Browser[]; fanout: number }> {
  const watched = (i: number) => Array.from({ length: a.watch }, (_, k) => topicOf((i * a.watch + k) % devices));
  const browsers = [
    ...(await openBrowsers(sseBrowser, httpUrl, a.sse, watched, tally)),
    ...(await openBrowsers(wsBrowser, httpUrl, a.ws, (i) => watched(a.sse + i), tally)),
    ...(await openBrowsers(stompBrowser, httpUrl, a.stomp, (i) => watched(a.sse + a.ws + i), tally)),
  ];
  const fanout = ((a.sse + a.ws + a.stomp) * a.watch) / devices;
  console.log(`${fmt(a.sse)} SSE + ${fmt(a.ws)} WebSocket + ${fmt(a.stomp)} STOMP browsers each watching ${fmt(a.watch)} of ${fmt(devices)} devices: each message reaches ${fmt(fanout, 1)} browsers`);
  return { browsers, fanout };
}

/** One measured window at a rate: latency quantiles (ms), deliveries, and the hub's CPU (ms) for them. */
interface Window {
  sent: number;
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  cpuMs: number;
}

async function measureWindow(hub: HubProcess, devices: MqttClient[], rate: number, seconds: number, tally: Tally): Promise<Window> {
  await paced(devices, rate, WARMUP_MS);
  const cpuBefore = hubCpuMs(hub);
  tally.open();
  const sent = await paced(devices, rate, seconds * 1000);
  tally.shut();
  await sleep(1000); // let the last ones arrive
  const cpuMs = hubCpuMs(hub) - cpuBefore;
  const latencies = tally.latencies.subarray(0, tally.samples);
  const window = { sent, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: quantile(latencies, 1), delivered: tally.delivered, cpuMs };
  await sleep(2000); // let any backlog clear before the next window
  return window;
}

/**
 * Paces each rate in turn, `runs` windows each, and prints device → browser latency, the share
 * of deliveries that arrived and the hub's CPU per 1,000 of them: medians of the windows, with
 * each window's p99 (one window's tail on a shared machine says little).
 */
async function latency(hub: HubProcess, devices: MqttClient[], rates: number[], seconds: number, runs: number, tally: Tally, fanout: number): Promise<void> {
  for (const rate of rates) {
    const windows: Window[] = [];
    for (let r = 0; r < runs; r++) windows.push(await measureWindow(hub, devices, rate, seconds, tally));
    const mid = (pick: (w: Window) => number) => median(windows.map(pick));
    const sent = windows.reduce((n, w) => n + w.sent, 0);
    const delivered = windows.reduce((n, w) => n + w.delivered, 0);
    const expected = sent * fanout;
    console.log(
      `  ${fmt(rate).padStart(6)} msg/s offered, ${fmt(mid((w) => w.sent) / seconds).padStart(6)} published: latency p50 ${fmt(mid((w) => w.p50), 1)} ms, p99 ${fmt(mid((w) => w.p99), 1)} ms, max ${fmt(mid((w) => w.max), 1)} ms; ` +
        `${fmt(delivered)} of ${fmt(expected)} deliveries (${fmt((100 * delivered) / expected, 1)} %); hub CPU ${fmt(mid((w) => (1000 * w.cpuMs) / w.delivered), 1)} ms per 1,000 deliveries; p99 of each window ${windows.map((w) => fmt(w.p99, 1)).join(' / ')} ms`,
    );
  }
}

/** Offers as much as the hub takes; what it carries per second is its ceiling. */
async function saturation(hub: HubProcess, devices: MqttClient[], seconds: number, tally: Tally): Promise<void> {
  const { httpUrl } = hub;
  const before = await hubCounter(httpUrl, 'fleetwire_bridge_deliveries_total');
  const ingestedBefore = await hubCounter(httpUrl, 'fleetwire_bridge_messages_total');
  const receivedBefore = tally.received;
  const cpuBefore = hubCpuMs(hub);
  const t0 = performance.now();
  await flood(devices, seconds * 1000);
  const s = (performance.now() - t0) / 1000;
  const received = tally.received - receivedBefore;
  const cpu = hubCpuMs(hub) - cpuBefore;
  const handed = (await hubCounter(httpUrl, 'fleetwire_bridge_deliveries_total')) - before;
  const ingested = (await hubCounter(httpUrl, 'fleetwire_bridge_messages_total')) - ingestedBefore;
  console.log(
    `  saturation: ${fmt(ingested / s)} msg/s ingested (QoS 1); the hub handed ${fmt(handed / s)} deliveries/s to transports, browsers received ${fmt(received / s)}/s; ` +
      `hub CPU ${fmt((1000 * cpu) / handed, 1)} ms per 1,000 deliveries`,
  );
  const drained = await settle(httpUrl);
  console.log(`  the backlog left by saturation (kept in the store, read back by catching-up subscribers) drained in ${fmt(drained / 1000, 1)} s`);
}

/** Connects devices bench0…bench<count - 1>, DEVICE_BATCH at a time (a storm of thousands at once would measure logins). */
async function connectDevices(mqttUrl: string, count: number): Promise<MqttClient[]> {
  const devices: MqttClient[] = [];
  for (let i = 0; i < count; i += DEVICE_BATCH) {
    devices.push(...(await Promise.all(Array.from({ length: Math.min(DEVICE_BATCH, count - i) }, (_, j) => mqtt.connectAsync(mqttUrl, { clientId: `bench${i + j}`, reconnectPeriod: 0 })))));
  }
  return devices;
}

/** Runs `body` with `count` devices connected, then disconnects them. */
async function withDevices(mqttUrl: string, count: number, body: (devices: MqttClient[]) => Promise<void>): Promise<void> {
  const devices = await connectDevices(mqttUrl, count);
  try {
    await body(devices);
  } finally {
    await Promise.all(devices.map((d) => d.endAsync(true)));
  }
}

/** Runs `body` with the audience watching a fleet of `devices`, then closes its browsers. */
async function withAudience(httpUrl: string, devices: number, a: Audience, body: (tally: Tally, fanout: number) => Promise<void>): Promise<void> {
  const tally = new Tally();
  const { browsers, fanout } = await openAudience(httpUrl, devices, a, tally);
  try {
    await body(tally, fanout);
  } finally {
    for (const b of browsers) b.close();
  }
}

/** The hub process's CPU time so far (user + system), ms: read from /proc, so the measured window holds no /metrics scrape. */
const hubCpuMs = (hub: HubProcess): number => 1000 * cpuSeconds(hub.child.pid ?? 0);

/** Waits until the hub hands out no more deliveries for a second (at most two minutes); returns the ms it took. */
async function settle(httpUrl: string): Promise<number> {
  const t0 = Date.now();
  let last = -1;
  for (;;) {
    const now = await hubCounter(httpUrl, 'fleetwire_bridge_deliveries_total');
    if (now === last || Date.now() - t0 > 120_000) return Date.now() - t0;
    last = now;
    await sleep(1000);
  }
}

async function costs(httpUrl: string, device: MqttClient, seconds: number): Promise<void> {
  console.log('cost per delivered message (20 browsers per transport, one device at 50 msg/s):');
  for (const [name, factory] of TRANSPORTS) {
    const tally = new Tally();
    const browsers = await openBrowsers(factory, httpUrl, 20, () => [COST_TOPIC], tally);
    tally.open();
    await paced([device], 50, seconds * 1000, COST_TOPIC);
    tally.shut();
    await sleep(500);
    for (const b of browsers) b.close();
    const per = (n: number, digits: number) => (tally.delivered === 0 ? 'n/a' : fmt(n / tally.delivered, digits));
    console.log(`  ${name.padEnd(10)} ${per(tally.bytes, 0).padStart(5)} bytes, ${per(tally.requests, 3)} requests per delivered message (${fmt(tally.delivered)} delivered)`);
  }
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(flag(args, 'seconds', '5'));
  const runs = Number(flag(args, 'runs', '3'));
  const audience = { sse: Number(flag(args, 'sse', '1000')), ws: Number(flag(args, 'ws', '1000')), stomp: Number(flag(args, 'stomp', '0')) };
  const fleet = Number(flag(args, 'fleet', '10000'));
  const watch = Number(flag(args, 'watch', '10'));
  const deviceCount = Number(flag(args, 'devices', '100'));
  const rates = flag(args, 'rates', '1000,10000').split(',').map(Number);
  const cpuProfDir = flag(args, 'cpu-prof', '');
  const dir = mkdtempSync(join(tmpdir(), 'fleetwire-bench-'));
  const hub = await startHubProcess(join(dir, 'fleetwire.db'), { nodeArgs: cpuProfDir === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] });
  try {
    if (fleet > 0) {
      // The issue's load: a fleet at 1 Hz each, every browser watching `watch` devices.
      await withDevices(hub.mqttUrl, fleet, (devices) => withAudience(hub.httpUrl, fleet, { ...audience, watch }, (tally, fanout) => latency(hub, devices, [fleet], seconds, runs, tally, fanout)));
    }
    // Fan-out heavy: few devices, every browser watching one, then saturation.
    await withDevices(hub.mqttUrl, deviceCount, async (devices) => {
      await withAudience(hub.httpUrl, deviceCount, { ...audience, watch: 1 }, async (tally, fanout) => {
        await latency(hub, devices, rates, seconds, runs, tally, fanout);
        await saturation(hub, devices, seconds, tally);
      });
      await costs(hub.httpUrl, devices[0] as MqttClient, Math.min(seconds, 3));
    });
  } finally {
    hub.child.kill('SIGTERM');
    await new Promise((r) => hub.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
