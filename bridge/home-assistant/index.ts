/**
 * `--ha-discovery`: the hub publishes the devices of its registry to Home Assistant. Each device
 * gets one retained device-based discovery config (protocol/home-assistant-discovery.ts),
 * published when the device is first known and again whenever what HA should see changes (a
 * new sensor, the LED, a port, the model or firmware); its LED's state goes to the light's state
 * topic, retained, whenever the registry's `led` changes. HA's light commands become `led`
 * commands through the command tracker, exactly as a browser's: checked, recorded, pushed to
 * watchers and tracked to the device's ack. When HA announces itself (`online` on
 * `homeassistant/status`) everything is published again, as HA's discovery docs ask.
 *
 * Configs and light states are delivered without passing the ingest hook: they are HA's view,
 * not the fleet's history. The registry has no removal, so no config is ever withdrawn here.
 */
import type { Logger } from 'pino';
import { HA_STATUS_TOPIC, discoveryConfig, haTopics, lightSetDevice } from '../../protocol/home-assistant-discovery.js';
import { ledArgsOfLightCommand, lightStateOf } from '../../protocol/home-assistant-light.js';
import type { DeviceView, HubMessage } from '../../protocol/message.js';
import type { DeviceTopic } from '../../protocol/names.js';
import type { AckPayload } from '../../protocol/payloads.js';
import type { Publish } from '../../protocol/publish.js';
import type { CommandTracker } from '../commands/command-tracker.js';
import type { DeviceRegistry } from '../registry/device-registry.js';
import { type DeviceMirror, haDeviceOf, isEmpty, mirrorOf, noteTelemetry } from './device-mirror.js';

export interface HomeAssistantOptions {
  devices: Pick<DeviceRegistry, 'get' | 'list' | 'watch'>;
  commands: Pick<CommandTracker, 'send'>;
  /** Publishes retained at QoS 1 as the hub, without passing the ingest hook. */
  deliver(topic: string, payload: string): Promise<void>;
  /** fleetwire's version, for the configs' `origin`. */
  sw: string;
  logger: Logger;
}

export interface HomeAssistantPublisher {
  /** For every publish the broker takes: acts on HA's birth and light commands, ignores the rest (cheaply). */
  take(msg: Publish<Buffer>): void;
  close(): void;
}

/** Devices republished per event-loop turn after HA's birth, so a large registry does not stall the hub. */
const REPUBLISH_BATCH = 200;
/** Light commands whose ack is awaited for a log line; the oldest is forgotten past this. */
const MAX_AWAITED_ACKS = 1000;
/** Anyone allowed to publish on the command topics can send garbage fast: one warning per this many ms, the rest at debug. */
const REFUSAL_WARN_INTERVAL_MS = 10_000;

export function createHomeAssistant(opts: HomeAssistantOptions): HomeAssistantPublisher {
  const log = opts.logger.child({ part: 'home-assistant' });
  const mirrors = new Map<string, DeviceMirror>();
  const awaited = new Map<string, string>(); // command id → device
  let closed = false;
  let republish: NodeJS.Immediate | null = null;
  let warnedAt = -Infinity;

  const refused = (fields: Record<string, unknown>, what: string): void => {
    const now = Date.now();
    if (now - warnedAt < REFUSAL_WARN_INTERVAL_MS) return void log.debug(fields, what);
    warnedAt = now;
    log.warn(fields, what);
  };

  const send = (topic: string, payload: string): void => {
    opts.deliver(topic, payload).catch((err: unknown) => log.warn({ err, topic }, 'Home Assistant publish failed'));
  };

  const mirror = (view: DeviceView): DeviceMirror => {
    let known = mirrors.get(view.id);
    if (!known) mirrors.set(view.id, (known = mirrorOf(view)));
    return known;
  };

  /** Publishes the device's config and light state where they differ from what was published. */
  const refresh = (view: DeviceView, m: DeviceMirror): void => {
    const device = haDeviceOf(view, m);
    if (!isEmpty(device)) {
      const config = JSON.stringify(discoveryConfig(device, opts.sw));
      if (config !== m.config) send(haTopics.discovery(view.id), (m.config = config));
    }
    if (view.led) {
      const light = JSON.stringify(lightStateOf(view.led));
      if (light !== m.light) send(haTopics.lightState(view.id), (m.light = light));
    }
  };

  const settleAck = (device: string, ack: AckPayload): void => {
    if (awaited.get(ack.id) !== device) return;
    awaited.delete(ack.id);
    if (!ack.ok) refused({ device, command: ack.id, error: ack.error }, 'device refused a Home Assistant light command');
  };

  const unwatch = opts.devices.watch((view: DeviceView, msg: HubMessage, topic: DeviceTopic) => {
    const m = mirror(view);
    if (msg.kind === 'ack') return settleAck(view.id, msg.data as unknown as AckPayload);
    if (msg.kind === 'status') m.status = true;
    // Readings arrive all the time and change nothing for HA unless a sensor is new or moved topic.
    if (msg.kind === 'telemetry' && !noteTelemetry(m, msg, topic)) return;
    refresh(view, m);
  });

  const publishAll = (): void => {
    if (republish || closed) return;
    const pending = opts.devices.list();
    const step = (): void => {
      republish = null;
      if (closed) return;
      for (const view of pending.splice(0, REPUBLISH_BATCH)) {
        const m = mirror(view);
        m.config = m.light = null;
        refresh(view, m);
      }
      if (pending.length > 0) republish = setImmediate(step);
    };
    republish = setImmediate(step);
  };

  const lightCommand = (device: string, payload: Buffer): void => {
    const args = ledArgsOfLightCommand(payload.toString('utf8'));
    if (!args.ok) return refused({ device, code: args.code, error: args.error }, 'Home Assistant light command refused');
    const sent = opts.commands.send({ device, name: 'led', args: { ...args.value }, sender: null });
    if (!sent.ok) return refused({ device, code: sent.code, error: sent.error }, 'Home Assistant light command not sent');
    awaited.set(sent.value.id, device);
    if (awaited.size > MAX_AWAITED_ACKS) awaited.delete(awaited.keys().next().value as string);
  };

  publishAll();
  log.info({ devices: opts.devices.list().length }, 'publishing devices to Home Assistant');

  return {
    take(msg) {
      if (closed) return;
      try {
        if (msg.topic === HA_STATUS_TOPIC) {
          if (msg.payload.toString('utf8') === 'online') publishAll();
          return;
        }
        const device = lightSetDevice(msg.topic);
        if (device !== null) lightCommand(device, msg.payload);
      } catch (err) {
        // It runs inside the broker's publish hook: a failure here must not refuse the client's publish.
        log.error({ err, topic: msg.topic }, 'Home Assistant publish not handled');
      }
    },
    close() {
      closed = true;
      unwatch();
      if (republish) clearImmediate(republish);
      republish = null;
    },
  };
}
