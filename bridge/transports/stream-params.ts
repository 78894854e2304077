/**
 * The query every browser transport shares: `topic` (repeatable MQTT filters), `since` (a seq to
 * resume after), `subscriber` (the client's own sender key, so command results follow it across
 * reconnects). Checked once here, before any side effect.
 */
import { type Result, fail, ok } from '../../protocol/errors.js';
import { SUBSCRIBER_KEY_PATTERN } from '../../protocol/names.js';
import { MAX_FILTER_LENGTH, isValidFilter } from '../../protocol/topic-filter.js';

export interface StreamParams {
  filters: string[];
  /** null: from now. */
  since: number | null;
  key: string | null;
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

/** A seq as text or number: a whole number ≥ 0; absent or empty gives null. */
export function parseSeq(value: unknown, name: string): Result<number | null> {
  if (value === undefined || value === null || value === '') return ok(null);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? ok(n) : fail('bad_param', `${name} must be a seq: a whole number ≥ 0`);
}

/** A whole number in [min, max]; absent gives `fallback`. */
export function parseBounded(value: string | null, name: string, min: number, max: number, fallback: number): Result<number> {
  if (value === null || value === '') return ok(fallback);
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return n >= min && n <= max ? ok(n) : fail('bad_param', `${name} must be a whole number from ${min} to ${max}`);
}

export function parseKey(value: string | null | undefined): Result<string | null> {
  if (value === null || value === undefined) return ok(null);
  return SUBSCRIBER_KEY_PATTERN.test(value) ? ok(value) : fail('bad_param', 'subscriber must be 8 to 64 letters, digits, _ or -');
}

/** The shared query; `lastEventId` (SSE's reconnect header) wins over `since`. */
export function parseStreamParams(url: URL, maxFilters: number, lastEventId?: string): Result<StreamParams> {
  const filters = parseFilters(url.searchParams.getAll('topic'), maxFilters);
  if (!filters.ok) return filters;
  const since = lastEventId !== undefined ? parseSeq(lastEventId, 'Last-Event-ID') : parseSeq(url.searchParams.get('since'), 'since');
  if (!since.ok) return since;
  const key = parseKey(url.searchParams.get('subscriber'));
  if (!key.ok) return key;
  return ok({ filters: filters.value, since: since.value, key: key.value });
}
