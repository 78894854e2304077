/**
 * The device registry: first seen, last seen, online, model, firmware, latest value of each
 * metric, LED state and port map, kept from the messages the hub records. Loaded from the store
 * at start. A new device or a change of online state is written at once; other changes at
 * most once per `saveEveryMs` per device (and at close).
 */
import type { Logger } from 'pino';
import type { DeviceView, HubMessage, Json } from '../../protocol/message.js';
import type { DeviceTopic } from '../../protocol/names.js';
import type { HistoryStore } from '../history/store.js';

export interface DeviceRegistry {
  get(id: string): DeviceView | undefined;
  list(): DeviceView[];
  /** Updates the device a recorded message belongs to; `topic` is its parsed contract topic. */
  observe(msg: HubMessage, topic: DeviceTopic): void;
  /** Writes pending changes and stops the save timer. */
  close(): void;
}

export interface DeviceRegistryOptions {
  store: Pick<HistoryStore, 'devices' | 'saveDevice'>;
  maxDevices: number;
  /** ms between writes of changed entries to the store. */
  saveEveryMs?: number;
  logger: Logger;
}

type JsonObject = { [key: string]: Json };

/** Most ports a port map may list; a device claiming more is cut to this many. */
const MAX_PORTS = 64;

/** A hot-plug device's whole port map, as its retained status may carry it: port → peripheral or null. */
function portMap(value: Json | undefined): DeviceView['ports'] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const ports: NonNullable<DeviceView['ports']> = {};
  for (const [port, peripheral] of Object.entries(value).slice(0, MAX_PORTS)) {
    if (/^\d{1,4}$/.test(port) && (peripheral === null || typeof peripheral === 'string')) ports[port] = peripheral;
  }
  return ports;
}

function applyStatus(device: DeviceView, data: JsonObject): void {
  device.online = data.online === true;
  if (typeof data.model === 'string') device.model = data.model;
  if (typeof data.fw === 'string') device.fw = data.fw;
  // The retained status is the whole truth after a reconnect; hot-plug events only patch it.
  const ports = portMap(data.ports);
  if (ports) device.ports = ports;
}

function applyTelemetry(device: DeviceView, msg: HubMessage, topic: DeviceTopic): void {
  if (topic.channel === 'metric' && typeof msg.data === 'number') {
    device.metrics[topic.metric] = { value: msg.data, ts: msg.ts };
    return;
  }
  for (const [metric, value] of Object.entries(msg.data as JsonObject)) {
    if (metric !== 'ts' && typeof value === 'number') device.metrics[metric] = { value, ts: msg.ts };
  }
}

function applyEvent(device: DeviceView, data: JsonObject): void {
  if (data.type !== 'hotplug') return;
  device.ports ??= {};
  device.ports[String(data.port)] = data.action === 'attached' ? (data.peripheral as string) : null;
}

function applyLed(device: DeviceView, data: JsonObject): void {
  device.led = typeof data.color === 'string' ? { state: data.state as string, color: data.color } : { state: data.state as string };
}

/** What each kind changes beyond last seen; kinds not listed change nothing else. */
const APPLY: Partial<Record<HubMessage['kind'], (device: DeviceView, msg: HubMessage, topic: DeviceTopic) => void>> = {
  status: (d, m) => applyStatus(d, m.data as JsonObject),
  telemetry: applyTelemetry,
  event: (d, m) => applyEvent(d, m.data as JsonObject),
  led: (d, m) => applyLed(d, m.data as JsonObject),
};

export function createDeviceRegistry(opts: DeviceRegistryOptions): DeviceRegistry {
  const devices = new Map<string, DeviceView>();
  // No MQTT connection outlives the hub: every device is offline until it speaks again.
  for (const d of opts.store.devices()) devices.set(d.id, { ...structuredClone(d), online: false });
  const dirty = new Set<DeviceView>();
  let warnedFull = false;

  const save = (): void => {
    for (const d of dirty) opts.store.saveDevice(d);
    dirty.clear();
  };
  const timer = setInterval(save, opts.saveEveryMs ?? 1000);
  timer.unref();

  const entry = (id: string, ts: number): DeviceView | undefined => {
    const known = devices.get(id);
    if (known) return known;
    if (devices.size >= opts.maxDevices) {
      if (!warnedFull) opts.logger.warn({ device: id, max: opts.maxDevices }, 'device registry is full: new devices are not registered');
      warnedFull = true;
      return undefined;
    }
    const fresh: DeviceView = { id, firstSeen: ts, lastSeen: ts, online: true, model: null, fw: null, metrics: {}, led: null, ports: null };
    devices.set(id, fresh);
    return fresh;
  };

  return {
    get: (id) => devices.get(id),
    list: () => [...devices.values()],
    observe(msg, topic) {
      // Commands are published to the device, not by it: they say nothing about it being there.
      if (topic.channel === 'command') return;
      const known = devices.has(topic.device);
      const device = entry(topic.device, msg.ts);
      if (!device) return;
      const wasOnline = device.online;
      device.lastSeen = msg.ts;
      // Anything a device publishes means it is connected; only its status (or last will) says otherwise.
      device.online = true;
      APPLY[msg.kind]?.(device, msg, topic);
      // A new device and a change of online state are written at once; readings can wait.
      if (!known || device.online !== wasOnline) {
        dirty.delete(device);
        opts.store.saveDevice(device);
      } else dirty.add(device);
    },
    close() {
      clearInterval(timer);
      save();
    },
  };
}
