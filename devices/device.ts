/**
 * One simulated device: a model's parts, stepped once per reading on the fleet's shared
 * scheduler, speaking the contract over its own MQTT connection. Nothing on the wire tells
 * it from real hardware: retained birth status, last will, QoS 1 telemetry with its own `ts`,
 * commands on `cmd/{name}` acked on `ack`.
 */
import { DEVICES_ROOT, parseDeviceTopic, topics } from '../protocol/names.js';
import { ledOf } from '../protocol/device-view.js';
import type { AckPayload } from '../protocol/payloads.js';
import type { Json } from '../protocol/message.js';
import type { FaultName, FaultParams } from './faults/catalogue.js';
import { malformed, outOfRange } from './faults/distortion.js';
import { createDeviceHomeAssistant } from './home-assistant.js';
import { type Link, type LinkOptions, createLink } from './link.js';
import { type ModelName, buildModel } from './models/catalogue.js';
import { createFirmware, type FirmwareHost } from './models/firmware.js';
import type { CommandHandler, CommandResult, JsonObject, Metrics } from './models/part.js';
import type { Outgoing } from './outbox.js';
import { deviceRng } from './random.js';
import type { FleetCounters } from './metrics.js';
import type { Task } from './scheduler.js';

const INITIAL_FIRMWARE = '1.0.0';
/** Commands larger than this are ignored unread. */
const MAX_COMMAND_BYTES = 16 * 1024;
const MAX_COMMAND_ID = 128;

export interface DeviceOptions extends Omit<LinkOptions, 'clientId' | 'will' | 'subscriptions' | 'rng' | 'hooks'> {
  id: string;
  model: ModelName;
  seed: number;
  /** ms between readings. */
  intervalMs: number;
  /** ms a firmware job takes from accept to reboot. */
  firmwareDurationMs: number;
  counters: FleetCounters;
  /** Announce itself to Home Assistant and obey its light commands (devices/home-assistant.ts). */
  haDiscovery: boolean;
  onRefused(device: string, err: Error): void;
}

export interface SimDevice {
  readonly id: string;
  readonly model: ModelName;
  /** The variant reported in status, e.g. `hub-4`. */
  readonly label: string;
  readonly online: boolean;
  readonly buffered: number;
  readonly faults: ReadonlyMap<FaultName, FaultParams>;
  /** Resolves once the broker has acked this device's first birth status. */
  readonly born: Promise<void>;
  start(): void;
  /** Switches a fault on (or changes its parameters). */
  setFault(name: FaultName, params: FaultParams): void;
  clearFault(name: FaultName): void;
  /** Says goodbye (retained offline status) and disconnects cleanly. */
  close(): Promise<void>;
}

/** The third level of `devices/{id}/{channel}[/…]`, without splitting: it runs for every acked publish. */
const channelOf = (topic: string): string => {
  const start = topic.indexOf('/', DEVICES_ROOT.length + 1) + 1;
  const end = topic.indexOf('/', start);
  return topic.slice(start, end === -1 ? undefined : end);
};

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createDevice(o: DeviceOptions): SimDevice {
  const { id, scheduler } = o;
  const rng = deviceRng(o.seed, id, 'readings');
  const faultRng = deviceRng(o.seed, id, 'faults');
  const faults = new Map<FaultName, FaultParams>();
  let fw = INITIAL_FIRMWARE;
  let simMs = 0;
  let rebooting = false;
  let frozen: Metrics | null = null;
  let malformedCount = 0;
  let readings: Task | null = null;
  let storm: Task | null = null;
  let markBorn: () => void = () => {};
  const born = new Promise<void>((resolve) => (markBorn = resolve));

  const statusTopic = topics.status(id);
  // Built once: a topic made per reading would be a fresh string to flatten and hash every second.
  const telemetryTopic = topics.telemetry(id);
  const json = (topic: string, payload: Json, retain: boolean): Outgoing => ({ topic, payload: JSON.stringify(payload), retain });

  /** Telemetry, events and acks pass the network faults; retained state does not (it is resent on every connection). */
  const emit = (msg: Outgoing): void => {
    const loss = faults.get('loss');
    if (loss && faultRng.chance(loss.rate ?? 0)) {
      o.counters.dropped('loss', 1);
      return;
    }
    const latency = faults.get('latency');
    if (latency) scheduler.after(latency.ms ?? 0, () => link.send(msg));
    else link.send(msg);
  };
  const deviceNow = (): number => Date.now() + (faults.get('skew')?.ms ?? 0);

  const host: FirmwareHost = {
    id,
    rng,
    intervalMs: o.intervalMs,
    scheduler,
    event: (e) => emit(json(topics.events(id), { ...e, ts: deviceNow() }, false)),
    retain: (topic, payload) => link.send(json(topic, payload, true)),
    statusChanged: () => link.send(json(statusTopic, status(), true)),
    get fw() {
      return fw;
    },
    set fw(v: string) {
      fw = v;
    },
    reboot: (downMs) => {
      rebooting = true;
      link.reboot(downMs, json(statusTopic, { online: false, reason: 'reboot' }, true));
    },
  };
  const built = buildModel(o.model, host);
  const parts = [...built.parts, createFirmware(host, o.firmwareDurationMs)];
  const commands = new Map<string, CommandHandler>();
  for (const part of parts) for (const [name, handler] of Object.entries(part.commands ?? {})) commands.set(name, handler);

  const status = (): JsonObject => Object.assign({ online: true, model: built.label, fw }, ...parts.map((p) => p.status?.() ?? {}));

  const reading = (): void => {
    if (rebooting) return;
    const fresh: Metrics = {};
    for (const part of parts) part.step?.(fresh, simMs);
    simMs += o.intervalMs;
    // A stuck sensor repeats what it read when it stuck, while the world it measures moves on.
    frozen = faults.has('stuck') ? (frozen ?? fresh) : null;
    let metrics = frozen ?? fresh;
    if (faults.has('out-of-range')) metrics = outOfRange(metrics, faultRng);
    const ts = deviceNow();
    if (faults.has('malformed')) {
      const bad = malformed(id, metrics, ts, malformedCount++);
      emit({ topic: bad.topic, payload: bad.payload, retain: false });
      return;
    }
    emit(json(telemetryTopic, { ...metrics, ts }, false));
  };

  const runCommand = (name: string, payload: Buffer): void => {
    if (payload.length > MAX_COMMAND_BYTES) return ignore(name, `larger than ${MAX_COMMAND_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return ignore(name, 'not JSON');
    }
    if (!isObject(body) || typeof body.id !== 'string' || body.id.length === 0 || body.id.length > MAX_COMMAND_ID) {
      return ignore(name, 'no usable command id, so no ack is possible');
    }
    const handler = commands.get(name);
    const args = body.args ?? {};
    const result: CommandResult = !handler
      ? { ok: false, error: `unknown command '${name}'` }
      : !isObject(args)
        ? { ok: false, error: 'args must be a JSON object' }
        : handler(args, body.id);
    o.counters.command(result.ok ? 'acked' : 'refused');
    if (faults.has('no-ack')) return;
    const ack: AckPayload = result.ok ? { id: body.id, ok: true, result: result.result ?? {} } : { id: body.id, ok: false, error: result.error };
    emit(json(topics.ack(id), ack, false));
  };
  const ignore = (name: string, why: string): void => {
    o.counters.command('ignored');
    o.logger.warn({ device: id, command: name, why }, 'command ignored');
  };

  const ledCommand = commands.get('led');
  const ha = o.haDiscovery
    ? createDeviceHomeAssistant({
        id,
        model: built.label,
        fw: () => fw,
        readings: parts.flatMap((p) => p.readings ?? []),
        ports: Object.keys((status().ports ?? {}) as JsonObject),
        // The LED's state as its part retains it on devices/{id}/led.
        led: ledCommand ? { command: ledCommand, state: () => ledOf(parts.flatMap((p) => p.retained?.() ?? []).find((r) => r.topic === topics.led(id))?.payload) } : null,
        onRefused: (why) => ignore('home assistant light', why),
      })
    : null;

  const link: Link = createLink({
    ...o,
    clientId: id,
    will: json(statusTopic, { online: false }, true),
    subscriptions: [topics.commandFilter(id), ...(ha?.subscriptions ?? [])],
    rng: deviceRng(o.seed, id, 'backoff'),
    hooks: {
      greeting: () => [
        json(statusTopic, status(), true),
        ...parts.flatMap((p) => p.retained?.() ?? []).map((r) => json(r.topic, r.payload, true)),
        ...(ha?.announce() ?? []),
      ],
      onUp: () => o.counters.connected(),
      onBorn: () => {
        rebooting = false;
        markBorn();
      },
      onMessage: (topic, payload) => {
        if (ha && !topic.startsWith(`${DEVICES_ROOT}/`)) {
          for (const msg of ha.onMessage(topic, payload)) link.send(msg);
          return;
        }
        const parsed = parseDeviceTopic(topic);
        if (parsed?.channel !== 'command' || parsed.device !== id) return;
        try {
          runCommand(parsed.command, payload);
        } catch (err) {
          // Handlers validate their input and should never throw; if one does, the device lives on.
          o.logger.error({ device: id, command: parsed.command, err }, 'command handler failed');
        }
      },
      onDown: (wasOnline) => {
        if (wasOnline) o.counters.disconnected();
      },
      onRefused: (err) => {
        o.counters.refused();
        o.onRefused(id, err);
      },
      onSent: (msg) => o.counters.sent(msg.topic === telemetryTopic ? 'telemetry' : channelOf(msg.topic)),
      onOverflow: (n) => o.counters.dropped('buffer_full', n),
    },
  });

  return {
    id,
    model: o.model,
    label: built.label,
    get online() {
      return link.online;
    },
    get buffered() {
      return link.buffered;
    },
    faults,
    born,
    start: () => {
      // Spread first readings over one interval so the fleet never reads in lock-step.
      const phase = deviceRng(o.seed, id, 'phase').next() * o.intervalMs;
      readings = scheduler.every(o.intervalMs, phase, reading);
      link.start();
    },
    setFault: (name, params) => {
      faults.set(name, params);
      if (name === 'drop') link.cut(true);
      if (name === 'storm') {
        storm?.cancel();
        link.cut(false);
        const every = params.everyMs ?? 0;
        storm = every > 0 ? scheduler.every(every, every, () => link.cut(false)) : null;
      }
    },
    clearFault: (name) => {
      if (!faults.delete(name)) return;
      if (name === 'drop') link.resume();
      if (name === 'storm') {
        storm?.cancel();
        storm = null;
      }
    },
    close: async () => {
      readings?.cancel();
      storm?.cancel();
      for (const part of parts) part.close?.();
      await link.close(json(statusTopic, { online: false }, true));
    },
  };
}
