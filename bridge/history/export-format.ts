/**
 * How exported rows are written: CSV (RFC 4180, CRLF line ends, ms and ISO 8601 time first)
 * or NDJSON (one JSON value per line). Pure functions.
 */
import type { AlertView } from '../../protocol/alerts.js';
import type { HubMessage } from '../../protocol/message.js';
import type { ReadingRow } from './row-pages.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' };

/** A bucket as `GET /api/history` gives it: [ts, avg, min, max, count]. */
export type BucketRow = [number, number, number, number, number];

/** Writes rows of one kind as lines of either format. */
export interface RowFormat<T> {
  csvHeader: string;
  csv(row: T): string;
  json(row: T): unknown;
}

/**
 * A CSV field: quoted when it holds a quote, comma or line break (RFC 4180 §2.6–2.7), and
 * led by `'` when a spreadsheet would run it as a formula (OWASP "CSV injection"): device
 * strings in events are written by whoever controls the device.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const iso = (ts: number): string => new Date(ts).toISOString();

export const READING_FORMAT: RowFormat<ReadingRow> = {
  csvHeader: 'ts,time,value',
  csv: ([ts, value]) => `${ts},${iso(ts)},${value}`,
  json: ([ts, value]) => ({ ts, value }),
};

export const BUCKET_FORMAT: RowFormat<BucketRow> = {
  csvHeader: 'ts,time,avg,min,max,count',
  csv: ([ts, avg, min, max, n]) => `${ts},${iso(ts)},${avg},${min},${max},${n}`,
  json: ([ts, avg, min, max, count]) => ({ ts, avg, min, max, count }),
};

/** Events and alerts: the stored message, its data as JSON text in CSV. */
export const MESSAGE_FORMAT: RowFormat<HubMessage> = {
  csvHeader: 'seq,ts,time,device,kind,topic,data',
  csv: (m) => [m.seq, m.ts, iso(m.ts), csvField(m.device ?? ''), m.kind, csvField(m.topic), csvField(JSON.stringify(m.data))].join(','),
  json: (m) => m,
};

export const ALERT_FORMAT: RowFormat<AlertView> = {
  csvHeader: 'id,rule,name,device,state,severity,since,since_time,resolved,value,ack_by,ack_at',
  csv: (a) =>
    [a.id, a.rule, csvField(a.name), a.device, a.state, a.severity, a.since, iso(a.since), a.resolved ?? '', csvField(JSON.stringify(a.value)), csvField(a.ack?.by ?? ''), a.ack?.at ?? ''].join(','),
  json: (a) => a,
};

/** One chunk of text for `rows`, each line ended by the format's line break. */
export function encodeRows<T>(format: ExportFormat, rows: readonly T[], f: RowFormat<T>): string {
  if (rows.length === 0) return '';
  return format === 'csv' ? `${rows.map(f.csv).join('\r\n')}\r\n` : `${rows.map((r) => JSON.stringify(f.json(r))).join('\n')}\n`;
}
