/**
 * Names and topics of the wire contract (docs/CONTRACT.md). Devices, the bridge and the
 * dashboard all import these, so a rename fails the type check on every side.
 */

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const METRIC_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

export const isDeviceId = (s: string): boolean => DEVICE_ID_PATTERN.test(s);
export const isMetricName = (s: string): boolean => METRIC_PATTERN.test(s);
/** Command names share the metric rule: short, lower-case, safe in a topic level. */
export const isCommandName = (s: string): boolean => METRIC_PATTERN.test(s);

export const DEVICES_ROOT = 'devices';
/** What every device topic starts with. */
export const DEVICES_PREFIX = `${DEVICES_ROOT}/`;

/** The topics a device and the hub exchange, by channel. */
export const topics = {
  status: (device: string) => `devices/${device}/status`,
  telemetry: (device: string) => `devices/${device}/telemetry`,
  metric: (device: string, metric: string) => `devices/${device}/telemetry/${metric}`,
  events: (device: string) => `devices/${device}/events`,
  led: (device: string) => `devices/${device}/led`,
  command: (device: string, name: string) => `devices/${device}/cmd/${name}`,
  commandFilter: (device: string) => `devices/${device}/cmd/#`,
  ack: (device: string) => `devices/${device}/ack`,
} as const;

/** A topic under `devices/` taken apart. `device` is the raw level: check it with isDeviceId. */
export type DeviceTopic =
  | { device: string; channel: 'status' | 'telemetry' | 'events' | 'led' | 'ack' }
  | { device: string; channel: 'metric'; metric: string }
  | { device: string; channel: 'command'; command: string };

/**
 * Parses `devices/{id}/{channel}[/{name}]`. Returns null for topics outside `devices/` and
 * for shapes the contract does not name (they are carried as plain messages).
 */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  if (!topic.startsWith(DEVICES_PREFIX)) return null; // a foreign topic (mapped, or none): no split
  const levels = topic.split('/');
  if (levels.length < 3 || levels.length > 4) return null;
  const device = levels[1] as string;
  const channel = levels[2] as string;
  const name = levels[3];
  if (name === undefined) {
    switch (channel) {
      case 'status':
      case 'telemetry':
      case 'events':
      case 'led':
      case 'ack':
        return { device, channel };
      default:
        return null;
    }
  }
  if (channel === 'telemetry') return { device, channel: 'metric', metric: name };
  if (channel === 'cmd') return { device, channel: 'command', command: name };
  return null;
}

/** The device id a topic belongs to, or null when it is outside `devices/{id}/`. */
export function deviceOfTopic(topic: string): string | null {
  if (!topic.startsWith(DEVICES_PREFIX)) return null;
  const end = topic.indexOf('/', DEVICES_PREFIX.length);
  return end === -1 ? null : topic.slice(DEVICES_PREFIX.length, end);
}

/** A client-chosen sender key: long enough to be unguessable when random, short enough to index. */
export const SUBSCRIBER_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** The header a command request names its sender's stream in, so the result reaches it on any transport. */
export const SUBSCRIBER_HEADER = 'x-fleetwire-subscriber';
