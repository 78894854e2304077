/**
 * `GET /api/devices` (the registry with latest values, by id, paged with `after` and `limit`)
 * and `GET /api/devices/{id}`. Body of the list: `{"devices":[...],"next":<id to pass as after>|null}`.
 */
import { sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import type { Access } from '../access/access.js';
import { parseBounded } from '../../http/params.js';
import type { DeviceRegistry } from './device-registry.js';
import { API_PATHS } from '../../protocol/transports.js';

/** Devices per page: the default and the most a client may ask for. */
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

export function deviceRoutes(registry: DeviceRegistry, access: Access): Route[] {
  return [
    {
      method: 'GET',
      path: API_PATHS.devices,
      handler: access.guard('viewer', (_req, res, _params, url) => {
        const limit = parseBounded(url.searchParams.get('limit'), 'limit', 1, MAX_PAGE, DEFAULT_PAGE);
        if (!limit.ok) return sendError(res, limit.code, limit.error);
        const after = url.searchParams.get('after') ?? '';
        const all = registry
          .list()
          .filter((d) => d.id > after)
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const devices = all.slice(0, limit.value);
        sendJson(res, 200, { devices, next: all.length > limit.value ? (devices.at(-1)?.id ?? null) : null });
      }),
    },
    {
      method: 'GET',
      path: API_PATHS.device,
      handler: access.guard('viewer', (_req, res, params) => {
        const device = registry.get(params.id as string);
        if (!device) return sendError(res, 'unknown_device', `no device "${String(params.id).slice(0, 80)}" has been seen`);
        sendJson(res, 200, device);
      }),
    },
  ];
}
