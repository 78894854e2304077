/**
 * The REST side of history (CONTRACT.md, HTTP): `GET /api/history` (JSON, or CSV with
 * `format=csv`) and `GET /api/events`. Parameters are parsed here; the store checks what
 * they mean (known device, range, step) so every caller of the store gets the same answers.
 */
import type { ServerResponse } from 'node:http';
import type { HistoryBody } from '../../protocol/message.js';
import { sendError, sendJson } from '../../http/respond.js';
import { QueryParams } from '../../http/query-params.js';
import type { Route } from '../../http/router.js';
import type { HistoryStore } from './store.js';
import { API_PATHS } from '../../protocol/transports.js';

/** Without `from`, a history query covers this span before `to`. */
const DEFAULT_SPAN_MS = 3_600_000;

export interface HistoryRouteOptions {
  /** The clock `to` defaults to; Date.now by default. */
  now?: () => number;
}

/**
 * `GET /api/history` and `GET /api/events` for http/router.ts. Every answer is JSON (CSV with
 * `format=csv`); a bad parameter gets 400 with the reason. Handlers never throw.
 */
export function historyRoutes(store: Pick<HistoryStore, 'history' | 'events'>, opts: HistoryRouteOptions = {}): Route[] {
  const now = opts.now ?? Date.now;
  return [
    {
      method: 'GET',
      path: API_PATHS.history,
      handler: (_req, res, _params, url) => {
        const q = new QueryParams(url);
        const device = q.text('device');
        const metric = q.text('metric');
        const from = q.int('from');
        const to = q.int('to');
        const step = q.int('step');
        const points = q.int('points');
        const format = q.text('format') ?? 'json';
        if (q.error) return sendError(res, 'bad_param', q.error);
        if (device === undefined || metric === undefined) return sendError(res, 'bad_param', `${device === undefined ? 'device' : 'metric'} is required`);
        if (format !== 'json' && format !== 'csv') return sendError(res, 'bad_param', 'format must be json or csv');
        const end = to ?? now();
        const answer = store.history({ device, metric, from: from ?? Math.max(0, end - DEFAULT_SPAN_MS), to: end, step, points });
        if (!answer.ok) return sendError(res, answer.code, answer.error);
        if (format === 'csv') return sendCsv(res, answer.value);
        sendJson(res, 200, answer.value);
      },
    },
    {
      method: 'GET',
      path: API_PATHS.events,
      handler: (_req, res, _params, url) => {
        const q = new QueryParams(url);
        const query = { device: q.text('device'), from: q.int('from'), to: q.int('to'), limit: q.int('limit') };
        if (q.error) return sendError(res, 'bad_param', q.error);
        const answer = store.events(query);
        if (!answer.ok) return sendError(res, answer.code, answer.error);
        sendJson(res, 200, { events: answer.value });
      },
    },
  ];
}

/** One row per bucket: ms, the same instant in ISO 8601 for spreadsheets, then the aggregates. */
function sendCsv(res: ServerResponse, body: HistoryBody): void {
  const lines = ['ts,time,avg,min,max,count', ...body.points.map(([ts, avg, min, max, n]) => `${ts},${new Date(ts).toISOString()},${avg},${min},${max},${n}`)];
  const text = `${lines.join('\r\n')}\r\n`;
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'content-disposition': `attachment; filename="${body.device}-${body.metric}.csv"`,
    'cache-control': 'no-store',
  });
  res.end(text);
}
