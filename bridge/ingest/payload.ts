/**
 * Payload validation at the boundary (CONTRACT.md "MQTT topics"): each device channel has one
 * decoder; a payload that breaks its rule comes back as an error with a stable code and a reason
 * a person wiring the device can act on. Pure: never throws, never stores anything.
 */
import { isUtf8 } from 'node:buffer';
import { type Result, fail, ok } from '../../protocol/errors.js';
import { parseJson } from '../../protocol/json-bounds.js';
import type { Json, MessageKind, MessageProps } from '../../protocol/message.js';
import { correlationText } from '../../protocol/message-props.js';
import { type DeviceTopic, METRIC_PATTERN, isMetricName } from '../../protocol/names.js';
import { LED_COLOR_PATTERN, LED_STATES } from '../../protocol/payloads.js';

/** What a reject shows of the payload it refused: its first 200 bytes as text. */
export const rejectPreview = (payload: Buffer): string => payload.subarray(0, 200).toString('utf8');

export interface Decoded {
  kind: MessageKind;
  data: Json;
}

/** Longest free-text field (model, firmware, event type, peripheral, command id) kept, characters. */
const MAX_FIELD_LENGTH = 128;
/** Most metrics one telemetry payload may carry. */
const MAX_METRICS = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A plain decimal number as text; `Number()` alone would also take '', '0x10' and 'Infinity'. */
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type JsonObject = { [key: string]: Json };

/** The payload as text, null when it is not UTF-8 (checked first: a decoder's thrown TypeError costs more than the decode). */
function text(payload: Buffer): string | null {
  return isUtf8(payload) ? utf8.decode(payload) : null;
}

function jsonObject(payload: Buffer): Result<JsonObject> {
  const body = text(payload);
  if (body === null) return fail('bad_json', 'payload is not UTF-8 text; this topic takes a JSON object');
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed.code === 'bad_json' ? fail('bad_json', 'payload is not JSON; this topic takes a JSON object') : parsed;
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('bad_payload', 'payload must be a JSON object');
  return ok(value as JsonObject);
}

const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_FIELD_LENGTH;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks an optional field: absent passes, present must satisfy `test`. */
function optional(obj: JsonObject, key: string, test: (v: unknown) => boolean, rule: string): Result<true> {
  return obj[key] === undefined || test(obj[key]) ? ok(true) : fail('bad_payload', `"${key}" must be ${rule}`);
}

function status(obj: JsonObject): Result<Json> {
  if (typeof obj.online !== 'boolean') return fail('bad_payload', 'status needs "online": true or false');
  const model = optional(obj, 'model', isShortString, `a string of 1 to ${MAX_FIELD_LENGTH} characters`);
  if (!model.ok) return model;
  const fw = optional(obj, 'fw', isShortString, `a string of 1 to ${MAX_FIELD_LENGTH} characters`);
  return fw.ok ? ok(obj) : fw;
}

function telemetry(obj: JsonObject): Result<Json> {
  const entries = Object.entries(obj).filter(([key]) => key !== 'ts');
  if (entries.length === 0) return fail('bad_payload', 'telemetry carries no metric: send {"<metric>": <number>}');
  if (entries.length > MAX_METRICS) return fail('too_large', `telemetry carries more than ${MAX_METRICS} metrics`);
  const ts = optional(obj, 'ts', isFiniteNumber, 'a number (ms since epoch)');
  if (!ts.ok) return ts;
  for (const [metric, value] of entries) {
    if (!isMetricName(metric)) return fail('bad_metric', `metric name "${metric.slice(0, 40)}" must match ${METRIC_PATTERN.source}`);
    if (!isFiniteNumber(value)) return fail('bad_payload', `metric "${metric}" must be a number`);
  }
  return ok(obj);
}

function metricValue(payload: Buffer): Result<Json> {
  const body = text(payload)?.trim() ?? '';
  return NUMBER_TEXT.test(body) && Number.isFinite(Number(body))
    ? ok(Number(body))
    : fail('bad_payload', 'a telemetry/{metric} payload must be one number as text, like 21.5');
}

function hotplug(obj: JsonObject): Result<true> {
  if (!Number.isInteger(obj.port) || (obj.port as number) < 0 || (obj.port as number) > 255) return fail('bad_payload', 'hotplug "port" must be a whole number from 0 to 255');
  if (obj.action !== 'attached' && obj.action !== 'detached') return fail('bad_payload', 'hotplug "action" must be "attached" or "detached"');
  return isShortString(obj.peripheral) ? ok(true) : fail('bad_payload', 'hotplug "peripheral" must be a non-empty string');
}

function progress(obj: JsonObject): Result<true> {
  if (!isShortString(obj.job)) return fail('bad_payload', 'progress "job" must be a non-empty string');
  const percent = obj.percent;
  return isFiniteNumber(percent) && percent >= 0 && percent <= 100 ? ok(true) : fail('bad_payload', 'progress "percent" must be a number from 0 to 100');
}

function event(obj: JsonObject): Result<Json> {
  if (!isShortString(obj.type)) return fail('bad_payload', 'an event needs "type": a non-empty string');
  const checked = obj.type === 'hotplug' ? hotplug(obj) : obj.type === 'progress' ? progress(obj) : ok(true);
  return checked.ok ? ok(obj) : checked;
}

function led(obj: JsonObject): Result<Json> {
  if (!LED_STATES.includes(obj.state as never)) return fail('bad_payload', `led "state" must be one of ${LED_STATES.join(', ')}`);
  const color = optional(obj, 'color', (v) => typeof v === 'string' && LED_COLOR_PATTERN.test(v), 'a colour like "#ff8800"');
  return color.ok ? ok(obj) : color;
}

/** A v5 device may name the command by the Correlation Data it was sent with instead of an `id` (docs/CONTRACT.md "MQTT 5"). */
function ack(obj: JsonObject, props: MessageProps | undefined): Result<Json> {
  if (obj.id === undefined ? !isShortString(correlationText(props)) : !isShortString(obj.id)) {
    return fail('bad_payload', 'an ack needs the command "id" (from an MQTT 5 device, the Correlation Data of the command will do)');
  }
  if (typeof obj.ok !== 'boolean') return fail('bad_payload', 'an ack needs "ok": true or false');
  if (!obj.ok && typeof obj.error !== 'string') return fail('bad_payload', 'a failed ack needs "error": a string');
  return ok(obj);
}

/** Any other topic: JSON when it parses, else the text, else `{base64}` (CONTRACT.md `data`); JSON past the bounds is refused. */
function decodeFree(payload: Buffer): Result<Json> {
  const body = text(payload);
  if (body === null) return ok({ base64: payload.toString('base64') });
  const parsed = parseJson(body);
  if (parsed.ok) return ok(parsed.value as Json);
  return parsed.code === 'bad_json' ? ok(body) : parsed;
}

const OBJECT_CHANNELS: Record<'status' | 'telemetry' | 'events' | 'led' | 'ack', [MessageKind, (obj: JsonObject, props: MessageProps | undefined) => Result<Json>]> = {
  status: ['status', status],
  telemetry: ['telemetry', telemetry],
  events: ['event', event],
  led: ['led', led],
  ack: ['ack', ack],
};

/**
 * Decodes a payload by its topic's channel. `topic` null means a topic the contract does not
 * name (carried as `message`); so is a `cmd` topic another client publishes, since only the
 * hub's own commands are tracked. `props` are the publish's MQTT 5 properties, if any.
 */
export function decodePayload(topic: DeviceTopic | null, payload: Buffer, maxBytes: number, props?: MessageProps): Result<Decoded> {
  // The props travel and are stored with the payload, so they count towards its limit.
  const size = payload.length + (props ? Buffer.byteLength(JSON.stringify(props)) : 0);
  if (size > maxBytes) return fail('too_large', `${props ? 'payload and MQTT 5 properties are' : 'payload is'} ${size} bytes; the limit is ${maxBytes}`);
  if (topic === null || topic.channel === 'command') {
    const data = decodeFree(payload);
    return data.ok ? ok({ kind: 'message', data: data.value }) : data;
  }
  if (topic.channel === 'metric') {
    if (!isMetricName(topic.metric)) return fail('bad_metric', `metric name "${topic.metric.slice(0, 40)}" must match ${METRIC_PATTERN.source}`);
    const value = metricValue(payload);
    return value.ok ? ok({ kind: 'telemetry', data: value.value }) : value;
  }
  const [kind, check] = OBJECT_CHANNELS[topic.channel];
  const obj = jsonObject(payload);
  if (!obj.ok) return obj;
  const data = check(obj.value, props);
  return data.ok ? ok({ kind, data: data.value }) : data;
}

