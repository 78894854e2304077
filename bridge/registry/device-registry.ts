/**
 * The device registry: first seen, last seen, online, model, firmware, latest value of each
 * metric, LED state and port map, kept from the messages the hub records. Loaded from the store
 * at start. A new device or a change of online state is written at once; other changes once
 * the first of them has waited `saveEveryMs` (and at close), so at most once per period per
 * device, and a fleet a slice at a time (SAVE_SLICES).
 */
import type { Logger } from 'pino';
import { applyMessage, newDeviceView, withSource } from '../../protocol/device-view.js';
import type { DeviceView, HubMessage } from '../../protocol/message.js';
import type { DeviceTopic } from '../../protocol/names.js';
import type { HistoryStore } from '../history/store.js';
import type { ApplyPipeline } from '../ingest/apply.js';

export interface DeviceRegistry {
  get(id: string): DeviceView | undefined;
  list(): DeviceView[];
  /** Calls `listener` after each message is folded into its device's view (bridge/home-assistant mirrors the registry); returns the unsubscribe. */
  watch(listener: DeviceListener): () => void;
  /** Writes pending changes and stops the save timer. */
  close(): void;
}

/** A message just applied to `device` (the view after it). Must not throw; runs inside APPLY. */
export type DeviceListener = (device: DeviceView, msg: HubMessage, topic: DeviceTopic) => void;

export interface DeviceRegistryOptions {
  store: Pick<HistoryStore, 'devices' | 'saveDevice'>;
  /** The registry subscribes to APPLY's `update registry` step. */
  applied: Pick<ApplyPipeline, 'on'>;
  maxDevices: number;
  /** ms between writes of changed entries to the store. */
  saveEveryMs?: number;
  logger: Logger;
}

/**
 * Changed entries are looked at this many times per saveEveryMs, each time writing those that
 * waited their period: a fleet reporting at 1 Hz is written a slice at a time, not 10,000 rows
 * in one commit each second (which held every delivery behind it: bench/bridge.ts).
 */
const SAVE_SLICES = 10;

export function createDeviceRegistry(opts: DeviceRegistryOptions): DeviceRegistry {
  const devices = new Map<string, DeviceView>();
  // No MQTT connection outlives the hub: every device is offline until it speaks again.
  for (const d of opts.store.devices()) devices.set(d.id, { ...withSource(structuredClone(d)), online: false });
  const saveEveryMs = opts.saveEveryMs ?? 1000;
  /** Entries changed since they were last written, with the receive time of the first such change, oldest first. */
  const dirty = new Map<DeviceView, number>();
  const listeners = new Set<DeviceListener>();
  let warnedFull = false;

  /** Writes the entries whose first unwritten change is at least `age` ms old (all at 0). */
  const save = (age: number): void => {
    const due = Date.now() - age;
    for (const [d, since] of dirty) {
      if (since > due) break;
      opts.store.saveDevice(d);
      dirty.delete(d);
    }
  };
  const timer = setInterval(() => save(saveEveryMs), saveEveryMs / SAVE_SLICES);
  timer.unref();

  const entry = (id: string, ts: number): DeviceView | undefined => {
    const known = devices.get(id);
    if (known) return known;
    if (devices.size >= opts.maxDevices) {
      if (!warnedFull) opts.logger.warn({ device: id, max: opts.maxDevices }, 'device registry is full: new devices are not registered');
      warnedFull = true;
      return undefined;
    }
    const fresh = newDeviceView(id, ts);
    devices.set(id, fresh);
    return fresh;
  };

  opts.applied.on('update registry', (msg: HubMessage, topic: DeviceTopic) => {
    const known = devices.has(topic.device);
    const device = entry(topic.device, msg.ts);
    if (!device) return;
    const wasOnline = known && device.online;
    applyMessage(device, msg);
    // A new device and a change of online state are written at once; readings can wait.
    if (!known || device.online !== wasOnline) {
      dirty.delete(device);
      opts.store.saveDevice(device);
    } else if (!dirty.has(device)) dirty.set(device, msg.ts);
    for (const listener of listeners) {
      try {
        listener(device, msg, topic);
      } catch (err) {
        opts.logger.error({ err, device: device.id }, 'device listener failed');
      }
    }
  });

  return {
    get: (id) => devices.get(id),
    list: () => [...devices.values()],
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      clearInterval(timer);
      save(0);
    },
  };
}
