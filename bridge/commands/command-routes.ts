/**
 * `POST /api/devices/{id}/commands` (admin) answers `202 {"id","status":"pending"}`; the result
 * is pushed as messages. A browser on SSE, iframe or polling names its sender key in the
 * `X-Fleetwire-Subscriber` header (the `subscriber` its stream announced, or the one it gave
 * as `?subscriber=`) to have this command's messages pushed to it whatever it watches.
 * `GET /api/commands/{id}` (viewer) tells the state; `GET /api/commands?device=&from=&to=&limit=&before=`
 * (viewer) pages through the history, newest first: `{"commands":[…],"next":<cursor>|null}`.
 */
import { readJsonBody, sendError, sendJson } from '../../http/respond.js';
import type { Route } from '../../http/router.js';
import type { Access } from '../access/access.js';
import { SUBSCRIBER_HEADER } from '../../protocol/names.js';
import { parseKey } from '../../http/params.js';
import { QueryParams } from '../../http/query-params.js';
import type { CommandTracker } from './command-tracker.js';
import { API_PATHS } from '../../protocol/transports.js';

export function commandRoutes(commands: CommandTracker, access: Access, maxBodyBytes: number): Route[] {
  return [
    {
      method: 'POST',
      path: API_PATHS.deviceCommands,
      handler: access.guard('admin', async (req, res, params) => {
        const header = req.headers[SUBSCRIBER_HEADER];
        const sender = parseKey(typeof header === 'string' ? header : undefined);
        if (!sender.ok) return sendError(res, sender.code, sender.error);
        const body = await readJsonBody(req, maxBodyBytes);
        if (!body.ok) return sendError(res, body.code, body.error);
        const { name, args } = (body.value ?? {}) as { name?: unknown; args?: unknown };
        if (typeof name !== 'string') return sendError(res, 'bad_request', 'send {"name": "<command>", "args": {...}}');
        const sent = commands.send({ device: params.id as string, name, args, sender: sender.value });
        if (!sent.ok) return sendError(res, sent.code, sent.error);
        sendJson(res, 202, { id: sent.value.id, status: sent.value.status });
      }),
    },
    {
      method: 'GET',
      path: API_PATHS.commands,
      handler: access.guard('viewer', (_req, res, _params, url) => {
        const q = new QueryParams(url);
        const query = { device: q.text('device'), from: q.int('from'), to: q.int('to'), limit: q.int('limit'), before: q.text('before') };
        if (q.error) return sendError(res, 'bad_param', q.error);
        const page = commands.list(query);
        if (!page.ok) return sendError(res, page.code, page.error);
        sendJson(res, 200, page.value);
      }),
    },
    {
      method: 'GET',
      path: API_PATHS.command,
      handler: access.guard('viewer', (_req, res, params) => {
        const command = commands.get(params.id as string);
        if (!command) return sendError(res, 'unknown_command', `no command "${String(params.id).slice(0, 80)}"`);
        sendJson(res, 200, command);
      }),
    },
  ];
}
