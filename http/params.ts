/**
 * Parameter checks every HTTP route shares, each failing with a stable code and a reason a
 * person can act on (STYLE.md §7): whole numbers from query text, seqs, sender keys, topic
 * filters, device ids, metric names and time ranges.
 */
import { type Result, fail, ok } from '../protocol/errors.js';
import { SUBSCRIBER_KEY_PATTERN, isDeviceId, isMetricName } from '../protocol/names.js';
import { MAX_FILTER_LENGTH, isValidFilter } from '../protocol/topic-filter.js';

/** The first failure among `checks`, else ok: for validating several parameters in order. */
export function firstFailure(...checks: Result<unknown>[]): Result<true> {
  for (const c of checks) if (!c.ok) return c;
  return ok(true);
}

/** A whole number in [min, max] as query text; absent or empty gives `fallback`. */
export function parseBounded(value: string | null, name: string, min: number, max: number, fallback: number): Result<number> {
  if (value === null || value === '') return ok(fallback);
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return n >= min && n <= max ? ok(n) : fail('bad_param', `${name} must be a whole number from ${min} to ${max}`);
}

/** A seq as text or number: a whole number ≥ 0; absent or empty gives null. */
export function parseSeq(value: unknown, name: string): Result<number | null> {
  if (value === undefined || value === null || value === '') return ok(null);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? ok(n) : fail('bad_param', `${name} must be a seq: a whole number ≥ 0`);
}

/** A client's sender key (`subscriber`); absent gives null. */
export function parseKey(value: string | null | undefined): Result<string | null> {
  if (value === null || value === undefined) return ok(null);
  return SUBSCRIBER_KEY_PATTERN.test(value) ? ok(value) : fail('bad_param', 'subscriber must be 8 to 64 letters, digits, _ or -');
}

/** Distinct valid MQTT filters, 1 to `max` of them. */
export function parseFilters(values: readonly unknown[], max: number): Result<string[]> {
  if (values.length === 0) return fail('bad_filter', 'give at least one topic filter, e.g. topic=devices/%2B/telemetry');
  const filters = [...new Set(values)];
  if (filters.length > max) return fail('bad_filter', `at most ${max} topic filters`);
  for (const f of filters) {
    if (typeof f !== 'string' || !isValidFilter(f)) {
      return fail('bad_filter', `${JSON.stringify(String(f).slice(0, 80))} is not an MQTT topic filter (up to ${MAX_FILTER_LENGTH} characters; + and # only as whole levels, # last)`);
    }
  }
  return ok(filters as string[]);
}

/** A device the registry knows; an unknown one is a bad parameter (400). */
export function checkDevice(device: unknown, known: (id: string) => boolean): Result<string> {
  if (typeof device !== 'string' || !isDeviceId(device)) return fail('bad_device_id', 'device must be a device id (letters, digits, _ and -, at most 64)');
  if (!known(device)) return fail('bad_param', `unknown device "${device}"`);
  return ok(device);
}

export function checkMetric(metric: unknown): Result<string> {
  return typeof metric === 'string' && isMetricName(metric) ? ok(metric) : fail('bad_metric', 'metric must be a metric name (a-z, 0-9 and _, at most 32, starting with a letter)');
}

/** [from, to) in ms since the epoch, non-empty. */
export function checkRange(from: unknown, to: unknown): Result<true> {
  if (!isIntIn(from, 0, Number.MAX_SAFE_INTEGER)) return fail('bad_param', 'from must be an integer number of ms since the epoch');
  if (!isIntIn(to, 0, Number.MAX_SAFE_INTEGER)) return fail('bad_param', 'to must be an integer number of ms since the epoch');
  if (from >= to) return fail('bad_param', 'from must be before to');
  return ok(true);
}

export function checkInt(name: string, value: unknown, min: number, max: number, unit = ''): Result<number> {
  return isIntIn(value, min, max) ? ok(value) : fail('bad_param', `${name} must be an integer${unit} from ${min} to ${max}`);
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}
