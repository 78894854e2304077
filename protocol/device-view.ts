/**
 * A device's view (docs/CONTRACT.md: "a device that appears on any of these topics is in the
 * registry") kept from the messages about it. The hub's registry and the dashboard's fleet
 * store both fold messages with applyMessage, so `/api/devices` and the page always agree on
 * what a message means. Defensive about `data`: the dashboard gets it from the network.
 */
import type { DeviceView, HubMessage, Json } from './message.js';
import { type DeviceTopic, parseDeviceTopic } from './names.js';
import { LED_COLOR_PATTERN, LED_STATES } from './payloads.js';
import { readingsOf } from './readings.js';

/** Most ports a port map may list; a device claiming more is cut to this many. */
const MAX_PORTS = 64;
/** Most problems and units a status may set, and the longest text of each. */
const MAX_PROBLEMS = 8;
const MAX_UNITS = 64;
const MAX_TEXT = 300;
/** The `source` of a device on the contract's own topics, and of one found by Home Assistant discovery (bridge/mapping). */
export const NATIVE_SOURCE = 'native';
export const HA_DISCOVERY_SOURCE = 'ha-discovery';
const PORT_PATTERN = /^\d{1,4}$/;

type JsonObject = { [key: string]: Json };
const isObject = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A device seen for the first time at hub time `ts`, before anything else is known. */
export const newDeviceView = (id: string, ts: number): DeviceView => ({
  id,
  firstSeen: ts,
  lastSeen: ts,
  online: false,
  model: null,
  fw: null,
  metrics: {},
  led: null,
  ports: null,
  source: NATIVE_SOURCE,
  units: {},
  problems: [],
});

/** A view kept before devices had a source (an older store, an older hub's answer), with the fields it lacks. */
export const withSource = (view: Omit<DeviceView, 'source' | 'units' | 'problems'> & Partial<DeviceView>): DeviceView => ({ source: NATIVE_SOURCE, units: {}, problems: [], ...view });

const isText = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_TEXT;

/**
 * The contract topic of a message that tells about its device, or null: topics the contract
 * does not name; commands, which are sent to the device and say nothing about it being there;
 * and rejects, whose payload broke the contract, so nothing in it is believed.
 * `parsed` is the topic already parsed, when the caller has it.
 */
export function deviceTopicOf(msg: HubMessage, parsed?: DeviceTopic): DeviceTopic | null {
  if (msg.device === null || msg.kind === 'command' || msg.kind === 'reject') return null;
  const topic = parsed ?? parseDeviceTopic(msg.topic);
  return topic === null || topic.channel === 'command' ? null : topic;
}

/** An LED state as `led` messages and the registry carry it; null when it breaks the LED rules. */
export function ledOf(data: unknown): DeviceView['led'] {
  if (!isObject(data) || !(LED_STATES as readonly unknown[]).includes(data.state)) return null;
  const state = data.state as string;
  return typeof data.color === 'string' && LED_COLOR_PATTERN.test(data.color) ? { state, color: data.color } : { state };
}

/** A hot-plug device's whole port map (port → peripheral, null when empty); null when `data` is none. */
export function portsOf(data: unknown): DeviceView['ports'] {
  if (!isObject(data)) return null;
  const ports: NonNullable<DeviceView['ports']> = {};
  for (const [port, peripheral] of Object.entries(data).slice(0, MAX_PORTS)) {
    if (PORT_PATTERN.test(port) && (peripheral === null || typeof peripheral === 'string')) ports[port] = peripheral;
  }
  return ports;
}

function applyStatus(view: DeviceView, data: JsonObject): void {
  if (typeof data.online === 'boolean') view.online = data.online;
  if (typeof data.model === 'string') view.model = data.model;
  if (typeof data.fw === 'string') view.fw = data.fw;
  // The retained status is the whole truth after a reconnect; hot-plug events only patch it.
  const ports = portsOf(data.ports);
  if (ports) view.ports = ports;
  // The mapper's statuses (bridge/mapping) always name their source; one without is the device's
  // own on its contract topic, so it is native from then on, and mapping no longer writes into it.
  view.source = isText(data.source) ? data.source.slice(0, 64) : NATIVE_SOURCE;
  if (Array.isArray(data.problems)) view.problems = data.problems.filter(isText).slice(0, MAX_PROBLEMS);
  if (isObject(data.units)) {
    view.units = Object.fromEntries(Object.entries(data.units).filter((e): e is [string, string] => isText(e[1]) && e[1].length <= 32).slice(0, MAX_UNITS));
  }
}

function applyHotplug(view: DeviceView, data: JsonObject): void {
  if (data.type !== 'hotplug' || !Number.isInteger(data.port)) return;
  const peripheral = data.action === 'attached' && typeof data.peripheral === 'string' ? data.peripheral : null;
  // A new object, so a reader can tell by identity that the map changed.
  view.ports = { ...(view.ports ?? {}), [String(data.port)]: peripheral };
}

/**
 * Folds `msg` (a message deviceTopicOf accepts, for `view.id`) into the view. Anything a device
 * publishes means it is connected; only its status (or last will) says otherwise. `led` and
 * `ports` get new objects when they change, never edits in place.
 */
export function applyMessage(view: DeviceView, msg: HubMessage): void {
  view.lastSeen = Math.max(view.lastSeen, msg.ts);
  view.online = true;
  const data = msg.data;
  switch (msg.kind) {
    case 'status':
      if (isObject(data)) applyStatus(view, data);
      break;
    case 'telemetry':
      for (const { metric, value } of readingsOf(msg)) view.metrics[metric] = { value, ts: msg.ts };
      break;
    case 'event':
      if (isObject(data)) applyHotplug(view, data);
      break;
    case 'led': {
      const led = ledOf(data);
      if (led) view.led = led;
      break;
    }
    default:
      break;
  }
}
