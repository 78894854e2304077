/** Checks the query parameters share, each failing with the reason a person can act on. */
import type { ErrorCode } from '../protocol/errors.js';
import { isDeviceId, isMetricName } from '../protocol/names.js';

export type Failure = { ok: false; code: ErrorCode; error: string };

const fail = (code: ErrorCode, error: string): Failure => ({ ok: false, code, error });

/** A device the registry knows; an unknown one is a bad parameter (400), as the issue asks. */
export function checkDevice(device: unknown, known: (id: string) => boolean): Failure | null {
  if (typeof device !== 'string' || !isDeviceId(device)) return fail('bad_device_id', 'device must be a device id (letters, digits, _ and -, at most 64)');
  if (!known(device)) return fail('bad_param', `unknown device "${device}"`);
  return null;
}

export function checkMetric(metric: unknown): Failure | null {
  return typeof metric === 'string' && isMetricName(metric) ? null : fail('bad_metric', 'metric must be a metric name (a-z, 0-9 and _, at most 32, starting with a letter)');
}

/** [from, to) in ms since the epoch, non-empty. */
export function checkRange(from: unknown, to: unknown): Failure | null {
  if (!isIntIn(from, 0, Number.MAX_SAFE_INTEGER)) return fail('bad_param', 'from must be an integer number of ms since the epoch');
  if (!isIntIn(to, 0, Number.MAX_SAFE_INTEGER)) return fail('bad_param', 'to must be an integer number of ms since the epoch');
  if (from >= to) return fail('bad_param', 'from must be before to');
  return null;
}

export function checkInt(name: string, value: unknown, min: number, max: number, unit = ''): Failure | null {
  return isIntIn(value, min, max) ? null : fail('bad_param', `${name} must be an integer${unit} from ${min} to ${max}`);
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}
