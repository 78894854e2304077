/**
 * `GET /api/retention` (the default and every per-device and per-model setting; with
 * `?device=` the retention that applies to that device and where it comes from) and
 * `PUT /api/retention` with `{"device":"d1","raw":"30d"}` or `{"model":"thermo-1","raw":"90d"}`
 * (`"0"` keeps forever, `null` goes back to the model's or the hub's). The bridge's guard
 * makes the PUT admin-only.
 */
import { durationMs } from '../../protocol/duration.js';
import { isDeviceId } from '../../protocol/names.js';
import { QueryParams } from '../../http/query-params.js';
import { readJsonBody, sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import type { HistoryStore } from './store.js';

/** Shorter than a minute would prune readings before their minute rollup is complete. */
const MIN_RAW_MS = 60_000;

export function retentionRoutes(store: Pick<HistoryStore, 'retention' | 'setRetention' | 'retentionOf'>): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/retention',
      handler: (_req, res, _params, url) => {
        const q = new QueryParams(url);
        const device = q.text('device');
        if (q.error) return sendError(res, 'bad_param', q.error);
        if (device === undefined) return sendJson(res, 200, store.retention());
        if (!isDeviceId(device)) return sendError(res, 'bad_device_id', 'device must be a device id');
        sendJson(res, 200, { device, ...store.retentionOf(device) });
      },
    },
    {
      method: 'PUT',
      path: '/api/retention',
      handler: async (req, res) => {
        const body = await readJsonBody(req);
        if (!body.ok) return sendError(res, body.code, body.error);
        const { device, model, raw } = (body.value ?? {}) as { device?: unknown; model?: unknown; raw?: unknown };
        if ((device === undefined) === (model === undefined)) return sendError(res, 'bad_param', 'give "device" or "model", and "raw": a duration such as "30d", "0" for forever, or null for the default');
        if (device !== undefined && (typeof device !== 'string' || !isDeviceId(device))) return sendError(res, 'bad_device_id', '"device" must be a device id');
        if (model !== undefined && (typeof model !== 'string' || model.length === 0 || model.length > 64)) return sendError(res, 'bad_param', '"model" must be a model name of 1 to 64 characters');
        const parsed = typeof raw === 'string' ? durationMs(raw) : null;
        const ms = raw === null ? null : parsed === null ? undefined : parsed;
        if (ms === undefined || (ms !== null && ms !== 0 && ms < MIN_RAW_MS)) return sendError(res, 'bad_param', '"raw" must be a duration of at least "1m" (such as "30d"), "0" for forever, or null');
        store.setRetention(device !== undefined ? 'device' : 'model', (device ?? model) as string, ms);
        sendJson(res, 200, store.retention());
      },
    },
  ];
}
