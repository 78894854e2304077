/** Sorting and filtering of the fleet overview. Pure, unit-tested in Node. */
import type { DeviceRow } from './fleet-store.js';

export const SORT_KEYS = ['id', 'online', 'model', 'lastSeen', 'temperature', 'voltage', 'led'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type StateFilter = 'all' | 'online' | 'offline';

export interface FleetQuery {
  /** Case-insensitive; every word must appear in the id, model, firmware or a peripheral. */
  text: string;
  state: StateFilter;
  sort: SortKey;
  descending: boolean;
}

export const DEFAULT_QUERY: FleetQuery = { text: '', state: 'all', sort: 'id', descending: false };

const metric = (row: DeviceRow, name: string): number | null => row.metrics[name]?.value ?? null;

/** The value a column sorts by; null sorts last whichever the direction. */
function sortValue(row: DeviceRow, key: SortKey): string | number | null {
  switch (key) {
    case 'id':
      return row.id;
    case 'online':
      return row.online ? 1 : 0;
    case 'model':
      return row.model;
    case 'lastSeen':
      return row.lastSeen;
    case 'temperature':
    case 'voltage':
      return metric(row, key);
    case 'led':
      return row.led?.state ?? null;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

function haystack(row: DeviceRow): string {
  const ports = row.ports ? Object.values(row.ports).filter((p) => p !== null) : [];
  return [row.id, row.model ?? '', row.fw ?? '', ...ports].join(' ').toLowerCase();
}

export function matches(row: DeviceRow, q: FleetQuery): boolean {
  if (q.state === 'online' && !row.online) return false;
  if (q.state === 'offline' && row.online) return false;
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = haystack(row);
  return words.every((w) => text.includes(w));
}

/** The rows to show, in order; ties fall back to the id so the order is stable between renders. */
export function queryFleet(rows: Iterable<DeviceRow>, q: FleetQuery): DeviceRow[] {
  const out: DeviceRow[] = [];
  for (const row of rows) if (matches(row, q)) out.push(row);
  const sign = q.descending ? -1 : 1;
  return out.sort((a, b) => {
    const va = sortValue(a, q.sort);
    const vb = sortValue(b, q.sort);
    // Missing values stay at the bottom in both directions.
    if (va === null || vb === null) return compare(va, vb) || collator.compare(a.id, b.id);
    return sign * compare(va, vb) || collator.compare(a.id, b.id);
  });
}

export interface FleetSummary {
  total: number;
  online: number;
  /** Mean of the latest temperatures, null when no device reports one. */
  meanTemperature: number | null;
}

export function summarize(rows: Iterable<DeviceRow>): FleetSummary {
  let total = 0;
  let online = 0;
  let tempSum = 0;
  let tempCount = 0;
  for (const row of rows) {
    total++;
    if (row.online) online++;
    const t = metric(row, 'temperature');
    if (t !== null) {
      tempSum += t;
      tempCount++;
    }
  }
  return { total, online, meanTemperature: tempCount > 0 ? tempSum / tempCount : null };
}
