/**
 * `GET /api/export?kind=readings|events|alerts&device=&metric=&from=&to=&step=&format=csv|ndjson`:
 * history leaves the hub as a download of any length. Readings come raw, or bucketed with
 * `step` (ms, as `/api/history` buckets them); events (and rejects) as stored messages; alerts
 * (when the hub has them) as `/api/alerts` lists them, by the time they started firing.
 * Everything is checked before the first byte is sent (400 with the reason); the body is then
 * streamed page by page with backpressure (http/streamed-body.ts), so memory stays bounded
 * whatever the range.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Result, fail, ok } from '../../protocol/errors.js';
import { QueryParams } from '../../http/query-params.js';
import { sendError } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import { type StreamedBody, sendStreamed } from '../../http/streamed-body.js';
import type { AlertView } from '../../protocol/alerts.js';
import { isDeviceId } from '../../protocol/names.js';
import { ALERT_FORMAT, BUCKET_FORMAT, CONTENT_TYPES, EXPORT_FORMATS, type ExportFormat, MESSAGE_FORMAT, READING_FORMAT, type RowFormat, encodeRows } from './export-format.js';
import type { RowPages } from './row-pages.js';
import type { HistoryStore } from './store.js';

/** Rows read and written per chunk: about 100 KB of CSV, a few ms of SQLite. */
const PAGE_ROWS = 2_000;
/** Buckets read per `history()` call when exporting with a step (within its MAX_POINTS). */
const WINDOW_BUCKETS = 1_000;

export interface ExportRouteOptions {
  /** Exports running at once; more get 429. */
  maxExports?: number;
  /** ms a client may accept nothing before its export is cut off. */
  stallMs?: number;
  now?: () => number;
  /** Alerts whose firing began in [from, to), oldest first (bridge/alerts); none: `kind=alerts` is refused. */
  alertPages?: (from: number, to: number, device?: string) => RowPages<AlertView>;
}

type Source = { pages: RowPages<unknown>; format: RowFormat<unknown>; name: string };

export const EXPORT_KINDS = ['readings', 'events', 'alerts'] as const;

export function exportRoutes(store: Pick<HistoryStore, 'readingPages' | 'eventPages' | 'history'>, opts: ExportRouteOptions = {}): Route[] {
  const maxExports = opts.maxExports ?? 4;
  const stallMs = opts.stallMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let running = 0;

  /** Buckets of `step` over [from, to), a window of them per page. */
  const bucketPages = (device: string, metric: string, from: number, to: number, step: number): Result<RowPages<unknown>> => {
    let at = from;
    const read = () => {
      const end = Math.min(to, (Math.floor(at / step) + WINDOW_BUCKETS) * step);
      const answer = store.history({ device, metric, from: at, to: end, step });
      at = end;
      return answer;
    };
    const first = read();
    if (!first.ok) return first;
    let pending: unknown[] | null = first.value.points;
    return ok({
      next: () => {
        while (pending !== null || at < to) {
          if (pending !== null) {
            const rows = pending;
            pending = null;
            if (rows.length > 0) return rows;
            continue;
          }
          const answer = read();
          // A later window over the scan limit: cut the download short rather than give a silent hole.
          if (!answer.ok) throw new Error(answer.error);
          pending = answer.value.points;
        }
        return [];
      },
    });
  };

  const source = (url: URL): Result<Source & { fileFormat: ExportFormat }> => {
    const q = new QueryParams(url);
    const kind = q.text('kind') ?? 'readings';
    const device = q.text('device');
    const metric = q.text('metric');
    const from = q.int('from') ?? 0;
    const to = q.int('to') ?? now();
    const step = q.int('step');
    const format = q.text('format') ?? 'csv';
    if (q.error) return fail('bad_param', q.error);
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return fail('bad_param', `format must be ${EXPORT_FORMATS.join(' or ')}`);
    const fileFormat = format as ExportFormat;
    if ((kind === 'events' || kind === 'alerts') && (metric !== undefined || step !== undefined)) return fail('bad_param', `metric and step apply to readings, not ${kind}`);
    if (kind === 'alerts' && opts.alertPages) {
      if (device !== undefined && !isDeviceId(device)) return fail('bad_device_id', 'device must be a device id');
      if (from >= to) return fail('bad_param', 'from must be before to');
      return ok({ pages: opts.alertPages(from, to, device), format: ALERT_FORMAT as RowFormat<unknown>, name: `${device ?? 'all'}-alerts`, fileFormat });
    }
    if (kind === 'events') {
      const pages = store.eventPages({ device, from, to });
      return pages.ok ? ok({ pages: pages.value, format: MESSAGE_FORMAT as RowFormat<unknown>, name: `${device ?? 'all'}-events`, fileFormat }) : pages;
    }
    if (kind !== 'readings') return fail('bad_param', `kind must be one of ${EXPORT_KINDS.join(', ')}`);
    if (device === undefined || metric === undefined) return fail('bad_param', `${device === undefined ? 'device' : 'metric'} is required to export readings`);
    if (step === undefined) {
      const pages = store.readingPages({ device, metric, from, to });
      return pages.ok ? ok({ pages: pages.value, format: READING_FORMAT as RowFormat<unknown>, name: `${device}-${metric}`, fileFormat }) : pages;
    }
    if (step < 1) return fail('bad_param', 'step must be a whole number of ms, at least 1');
    const pages = bucketPages(device, metric, from, to, step);
    return pages.ok ? ok({ pages: pages.value, format: BUCKET_FORMAT as RowFormat<unknown>, name: `${device}-${metric}-${step}ms`, fileFormat }) : pages;
  };

  const handler = async (_req: IncomingMessage, res: ServerResponse, _params: unknown, url: URL): Promise<void> => {
    const chosen = source(url);
    if (!chosen.ok) return sendError(res, chosen.code, chosen.error);
    if (running >= maxExports) return sendError(res, 'too_many', `${running} exports are running; try again when one has finished`);
    const { pages, format, name, fileFormat } = chosen.value;
    let headerSent = false;
    const body: StreamedBody = {
      contentType: CONTENT_TYPES[fileFormat],
      filename: `${name}.${fileFormat}`,
      next() {
        if (!headerSent && fileFormat === 'csv') {
          headerSent = true;
          return `${format.csvHeader}\r\n`;
        }
        const rows = pages.next(PAGE_ROWS);
        return rows.length === 0 ? null : encodeRows(fileFormat, rows, format);
      },
    };
    running++;
    try {
      await sendStreamed(res, body, stallMs);
    } catch {
      res.destroy();
    } finally {
      running--;
    }
  };

  return [{ method: 'GET', path: '/api/export', handler }];
}
