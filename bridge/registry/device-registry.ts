/**
 * The device registry: first seen, last seen, online, model, firmware, latest value of each
 * metric, LED state and port map, kept from the messages the hub records. Loaded from the store
 * at start. A new device or a change of online state is written at once; other changes at
 * most once per `saveEveryMs` per device (and at close).
 */
import type { Logger } from 'pino';
import { applyMessage, newDeviceView } from '../../protocol/device-view.js';
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

export function createDeviceRegistry(opts: DeviceRegistryOptions): DeviceRegistry {
  const devices = new Map<string, DeviceView>();
  // No MQTT connection outlives the hub: every device is offline until it speaks again.
  for (const d of opts.store.devices()) devices.set(d.id, { ...structuredClone(d), online: false });
  const dirty = new Set<DeviceView>();
  const listeners = new Set<DeviceListener>();
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
    } else dirty.add(device);
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
      save();
    },
  };
}
