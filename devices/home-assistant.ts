/**
 * `fleetwire fleet --ha-discovery`: a simulated device announces itself to Home Assistant on
 * its own, against any broker, as HA-aware firmware does. On every connection and whenever HA
 * announces itself (`online` on `homeassistant/status`) it publishes its retained device-based
 * discovery config and its light's state; it obeys HA's light commands on
 * `fleetwire/ha/<id>/light/set` through its LED's own `cmd/led` handler (the same checks, the
 * same retained `devices/{id}/led`), then publishes the light's new state. The config is the
 * hub's (protocol/home-assistant-discovery.ts), so HA sees the same device either way.
 */
import { HA_STATUS_TOPIC, type HaDevice, discoveryConfig, haTopics, isHaSensorMetric } from '../protocol/home-assistant-discovery.js';
import { ledArgsOfLightCommand, lightStateOf } from '../protocol/home-assistant-light.js';
import type { DeviceView, Json } from '../protocol/message.js';
import type { CommandHandler } from './models/part.js';
import type { Outgoing } from './outbox.js';

export interface DeviceHomeAssistantOptions {
  id: string;
  /** The model label (`edge-1`) and the running firmware, read when a config is built. */
  model: string;
  fw: () => string;
  /** The metrics the device's parts report. */
  readings: readonly string[];
  /** Its hot-plug ports by name. */
  ports: string[];
  /** Its LED: the `cmd/led` handler and the current state (null until known); null without one. */
  led: { command: CommandHandler; state: () => DeviceView['led'] } | null;
  /** A light command that was not obeyed, and why. */
  onRefused(why: string): void;
}

export interface DeviceHomeAssistant {
  /** What the device subscribes to besides its commands. */
  readonly subscriptions: string[];
  /** The retained config and light state, for every connection's greeting and HA's birth. */
  announce(): Outgoing[];
  /** Handles a message on one of `subscriptions`; returns what to publish (none for other topics). */
  onMessage(topic: string, payload: Buffer): Outgoing[];
}

const retained = (topic: string, payload: Json): Outgoing => ({ topic, payload: JSON.stringify(payload), retain: true });

export function createDeviceHomeAssistant(o: DeviceHomeAssistantOptions): DeviceHomeAssistant {
  const lightSet = haTopics.lightSet(o.id);
  let commands = 0;

  const device = (): HaDevice => ({
    id: o.id,
    model: o.model,
    fw: o.fw(),
    sensors: o.readings.filter(isHaSensorMetric).map((metric) => ({ metric, form: 'json' })),
    light: o.led !== null,
    ports: o.ports,
    status: true,
  });
  const lightState = (): Outgoing[] => {
    const led = o.led?.state();
    return led ? [retained(haTopics.lightState(o.id), lightStateOf(led))] : [];
  };

  const announce = (): Outgoing[] => [retained(haTopics.discovery(o.id), discoveryConfig(device())), ...lightState()];

  const obey = (payload: Buffer): Outgoing[] => {
    if (!o.led) return [];
    const args = ledArgsOfLightCommand(payload.toString('utf8'));
    if (!args.ok) {
      o.onRefused(args.error);
      return [];
    }
    // Its own command id: the LED handler wants one, as for a hub command; no ack goes out (HA reads the state).
    const done = o.led.command({ ...args.value }, `ha-${++commands}`);
    if (!done.ok) {
      o.onRefused(done.error);
      return [];
    }
    return lightState();
  };

  return {
    subscriptions: [HA_STATUS_TOPIC, ...(o.led ? [lightSet] : [])],
    announce,
    onMessage(topic, payload) {
      if (topic === HA_STATUS_TOPIC) return payload.toString('utf8') === 'online' ? announce() : [];
      return topic === lightSet ? obey(payload) : [];
    },
  };
}
