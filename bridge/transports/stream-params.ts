/**
 * The query every browser transport shares: `topic` (repeatable MQTT filters), `since` (a seq to
 * resume after), `subscriber` (the client's own sender key, so command results follow it across
 * reconnects). Checked once here, before any side effect.
 */
import { parseFilters, parseKey, parseSeq } from '../../http/params.js';
import { type Result, ok } from '../../protocol/errors.js';

export interface StreamParams {
  filters: string[];
  /** null: from now. */
  since: number | null;
  key: string | null;
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
