/** The one message shape every browser transport carries (docs/CONTRACT.md). */

export const MESSAGE_KINDS = ['status', 'telemetry', 'event', 'led', 'command', 'ack', 'reject', 'alert', 'message'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface HubMessage {
  /** Hub-wide, strictly increasing, never reused, survives restarts. */
  seq: number;
  /** When the hub received it, ms since epoch. A device's own `ts` stays inside `data`. */
  ts: number;
  topic: string;
  /** The device id for topics under `devices/{id}/`, otherwise null. */
  device: string | null;
  kind: MessageKind;
  /** Parsed payload: JSON, a string when it is not JSON, `{base64}` when it is binary. */
  data: Json;
  /** The MQTT 5 properties of the publish it came from; absent when it had none (docs/CONTRACT.md "MQTT 5"). */
  props?: MessageProps;
}

/** A v5 publish's application properties (MQTT 5 §3.3.2.3), each present only when the publish had it. */
export interface MessageProps {
  contentType?: string;
  /** 1: the payload is UTF-8 text, 0: unspecified bytes (MQTT 5 §3.3.2.3.2). */
  payloadFormat?: 0 | 1;
  responseTopic?: string;
  correlationData?: { base64: string };
  /** User properties in order; a key sent more than once maps to its values (MQTT 5 §3.3.2.3.7). */
  user?: { [key: string]: string | string[] };
}

/** The `data` of a `reject` message: why a device's payload was refused. */
export interface RejectData {
  code: string;
  reason: string;
  /** The topic the bad payload came on. */
  topic: string;
  /** The start of the payload, as text, for whoever wires the device. */
  payload: string;
}

export type CommandState = 'pending' | 'acked' | 'failed' | 'timeout';

/** A command as `GET /api/commands/{id}` returns it and as the `command` message carries it. */
export interface CommandView {
  id: string;
  device: string;
  name: string;
  args: Json;
  status: CommandState;
  /** ms since epoch */
  created: number;
  /** ms since epoch, when it left `pending` */
  settled: number | null;
  result: Json;
  error: string | null;
}

/** Frames a browser sends on `GET /ws`. */
export type ClientFrame =
  | { op: 'subscribe'; topics: string[]; since?: number }
  | { op: 'unsubscribe'; topics: string[] }
  | { op: 'command'; device: string; name: string; args?: Json };

/** Control frames the hub sends on `GET /ws` besides messages. */
export type ServerFrame =
  | { op: 'command'; id: string; status: CommandState }
  | { op: 'reset' }
  | { op: 'error'; error: string };

/** The body of `GET /api/poll` and `GET /api/messages`. */
export interface PollBody {
  messages: HubMessage[];
  /** The `since` to send next. */
  next: number;
  /** True when `since` is older than what is stored: replay started at the oldest kept message. */
  reset?: boolean;
}

/** A device in the registry, as `GET /api/devices` returns it. */
export interface DeviceView {
  id: string;
  /** ms since epoch */
  firstSeen: number;
  /** ms since epoch */
  lastSeen: number;
  online: boolean;
  model: string | null;
  fw: string | null;
  /** Latest value of each metric, with when the hub received it (ms since epoch). */
  metrics: { [metric: string]: { value: number; ts: number } };
  led: { state: string; color?: string } | null;
  /** Current port map of a hot-plug device: port number → peripheral, null when empty. */
  ports: { [port: string]: string | null } | null;
  /** Where the device came from: `native` (the contract's topics), a mapping preset or rule file's source, `ha-discovery`. */
  source: string;
  /** Unit of each metric, when its mapping rule or discovery config names one. */
  units: { [metric: string]: string };
  /** Why some of its foreign messages could not be mapped (newest last); empty when none. */
  problems: string[];
}

/** The body of `GET /api/history`: points are [ts, avg, min, max, count], ts the bucket start. */
export interface HistoryBody {
  device: string;
  metric: string;
  /** bucket width in ms */
  step: number;
  points: [number, number, number, number, number][];
}
