/**
 * HTTP control of a running fleet, for the hub (mounted at /api/fleet/…) and for
 * `fleetwire fleet --control-port`:
 *
 *   GET    /api/fleet                      counts, lag, active faults
 *   GET    /api/fleet/devices?offset=&limit=   devices with model, online, faults
 *   GET    /api/fleet/faults               active faults and the catalogue
 *   POST   /api/fleet/faults               {"name":"stuck","target":"25%","params":{}} switches one on
 *   DELETE /api/fleet/faults[/:name]?target=   switches off (all faults when no name)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError, sendJson, readJsonBody } from '../http/respond.js';
import type { Route } from '../http/router.js';
import type { Result } from '../protocol/errors.js';
import type { FaultController } from './faults/controller.js';

export interface ControlledDevice {
  readonly id: string;
  readonly model: string;
  readonly label: string;
  readonly online: boolean;
  readonly buffered: number;
  readonly faults: ReadonlyMap<string, unknown>;
}

export interface ControlledFleet {
  readonly devices: readonly ControlledDevice[];
  readonly faults: FaultController;
  stats(): unknown;
}

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const answer = <T>(res: ServerResponse, result: Result<T>, status = 200): void => {
  if (result.ok) sendJson(res, status, result.value);
  else sendError(res, result.code, result.error);
};

/** A non-negative whole number from the query, `fallback` when absent; null when malformed. */
const queryInt = (url: URL, name: string, fallback: number, max: number): number | null => {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  return /^\d+$/.test(raw) && n <= max ? n : null;
};

export function controlRoutes(fleet: ControlledFleet): Route[] {
  const devicesPage = (_req: IncomingMessage, res: ServerResponse, _p: unknown, url: URL): void => {
    const offset = queryInt(url, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(url, 'limit', DEFAULT_PAGE, MAX_PAGE);
    if (offset === null || limit === null) return sendError(res, 'bad_param', `offset must be a whole number and limit one from 0 to ${MAX_PAGE}`);
    const page = fleet.devices.slice(offset, offset + limit).map((d) => ({
      id: d.id,
      model: d.model,
      label: d.label,
      online: d.online,
      buffered: d.buffered,
      faults: [...d.faults.keys()],
    }));
    sendJson(res, 200, { total: fleet.devices.length, offset, devices: page });
  };

  const applyFault = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readJsonBody(req);
    if (!body.ok) return sendError(res, body.code, body.error);
    const b = body.value;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return sendError(res, 'bad_request', 'body must be {"name":…, "target":…, "params":{…}}');
    const { name, target, params } = b as Record<string, unknown>;
    if (typeof name !== 'string') return sendError(res, 'bad_param', 'name must be a fault name');
    if (target !== undefined && typeof target !== 'string' && typeof target !== 'number') {
      return sendError(res, 'bad_param', 'target must be a device id, a fraction or "all"');
    }
    answer(res, fleet.faults.apply(name, target, params));
  };

  const clearFault = (_req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL): void => {
    answer(res, fleet.faults.clear(params.name, url.searchParams.get('target') ?? undefined));
  };

  return [
    { method: 'GET', path: '/api/fleet', handler: (_req, res) => sendJson(res, 200, fleet.stats()) },
    { method: 'GET', path: '/api/fleet/devices', handler: devicesPage },
    { method: 'GET', path: '/api/fleet/faults', handler: (_req, res) => sendJson(res, 200, { active: fleet.faults.list(), catalogue: fleet.faults.catalogue() }) },
    { method: 'POST', path: '/api/fleet/faults', handler: applyFault },
    { method: 'DELETE', path: '/api/fleet/faults', handler: clearFault },
    { method: 'DELETE', path: '/api/fleet/faults/:name', handler: clearFault },
  ];
}
