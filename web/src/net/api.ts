/**
 * The hub's REST endpoints (CONTRACT.md "HTTP"), typed and checked. Every call has a time
 * limit and fails with an ApiError carrying the hub's own `{"error"}` text, never a raw throw
 * from JSON or the network.
 */
import type { AlertRuleView, AlertView } from '../../../protocol/alerts.js';
import type { CommandView, DeviceView, HistoryBody, HubMessage, Json } from '../../../protocol/message.js';
import { isHubMessage, listOf, toAlertView, toCommandView, toDeviceView } from './message-guard.js';
import { API_PATHS, withId } from '../../../protocol/transports.js';

const TIMEOUT_MS = 10_000;

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the hub could not be reached. */
    readonly status: number,
  ) {
    super(message);
  }
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS), ...init });
  } catch {
    throw new ApiError('the hub cannot be reached', 0);
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const said = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    throw new ApiError(typeof said === 'string' ? said : `${path.split('?')[0]} answered ${res.status}`, res.status);
  }
  return body;
}

const post = (path: string, body: unknown): Promise<unknown> =>
  request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
};

export async function fetchDevices(): Promise<DeviceView[]> {
  const body = await request(API_PATHS.devices);
  return listOf(body, 'devices').map(toDeviceView).filter((d): d is DeviceView => d !== null);
}

export interface HistoryRequest {
  device: string;
  metric: string;
  from: number;
  to: number;
  step: number;
}

/** Buckets of one metric; malformed points are dropped rather than drawn. */
export async function fetchHistory(q: HistoryRequest, signal?: AbortSignal): Promise<HistoryBody> {
  const body = (await request(`${API_PATHS.history}?${query({ ...q })}`, signal ? { signal } : {})) as Partial<HistoryBody> | undefined;
  const points = Array.isArray(body?.points) ? body.points.filter((p) => Array.isArray(p) && p.length >= 5 && p.every(Number.isFinite)) : [];
  return { device: q.device, metric: q.metric, step: typeof body?.step === 'number' ? body.step : q.step, points };
}

/** The address of a raw-readings download (`GET /api/export`); a link to it downloads the file. */
export function exportUrl(q: { device: string; metric: string; from: number; to: number; format: 'csv' | 'ndjson' }): string {
  return `${API_PATHS.export}?${query({ ...q })}`;
}

/** Stored events, of one device or of all. */
export async function fetchEvents(device: string | undefined, limit: number): Promise<HubMessage[]> {
  const body = await request(`${API_PATHS.events}?${query({ device, limit })}`);
  return listOf(body, 'events').filter(isHubMessage);
}

/** The device's stored commands, newest first. */
export async function fetchCommands(device: string, limit: number): Promise<CommandView[]> {
  const body = await request(`${API_PATHS.commands}?${query({ device, limit })}`);
  return listOf(body, 'commands').map(toCommandView).filter((c): c is CommandView => c !== null);
}

export interface CommandAccepted {
  id: string;
  status: string;
}

export async function sendCommand(device: string, name: string, args: Json): Promise<CommandAccepted> {
  const body = (await post(withId(API_PATHS.deviceCommands, device), { name, args })) as Partial<CommandAccepted> | undefined;
  if (typeof body?.id !== 'string') throw new ApiError('the hub did not return a command id', 502);
  return { id: body.id, status: typeof body.status === 'string' ? body.status : 'pending' };
}

/** Alerts on the hub, newest first. */
export async function fetchAlerts(q: { state?: 'firing' | 'resolved'; device?: string; limit?: number } = {}): Promise<AlertView[]> {
  const body = await request(`${API_PATHS.alerts}?${query({ ...q })}`);
  return listOf(body, 'alerts').map(toAlertView).filter((a): a is AlertView => a !== null);
}

export async function ackAlert(id: string): Promise<void> {
  await post(withId(API_PATHS.alertAck, id), {});
}

/** The hub's alert rules; only their ids and names are relied on, the rest is shown as the hub describes it. */
export async function fetchRules(): Promise<AlertRuleView[]> {
  const body = await request(API_PATHS.alertRules);
  return listOf(body, 'rules').filter((r): r is AlertRuleView => typeof r === 'object' && r !== null && typeof (r as { id?: unknown }).id === 'string' && typeof (r as { name?: unknown }).name === 'string');
}

/** Creates a rule; the answer carries the webhook secret, shown only this once. */
export async function createRule(rule: Record<string, Json>): Promise<{ id: string; secret: string }> {
  const body = (await post(API_PATHS.alertRules, rule)) as Partial<{ id: string; secret: string }> | undefined;
  if (typeof body?.id !== 'string') throw new ApiError('the hub did not return a rule id', 502);
  return { id: body.id, secret: typeof body.secret === 'string' ? body.secret : '' };
}

export async function deleteRule(id: string): Promise<void> {
  await request(withId(API_PATHS.alertRule, id), { method: 'DELETE' });
}

/** How long the hub keeps a device's raw readings (ms, 0: forever) and where that comes from. */
export async function fetchRetention(device: string): Promise<{ rawMs: number; source: string } | null> {
  const body = (await request(`${API_PATHS.retention}?${query({ device })}`)) as { rawMs?: unknown; source?: unknown } | undefined;
  return typeof body?.rawMs === 'number' && typeof body.source === 'string' ? { rawMs: body.rawMs, source: body.source } : null;
}

export interface LabRate {
  /** Messages per second on `lab/tick`, 0 when off. */
  rate: number;
  /** Ticks published since the hub started. */
  sent: number;
}

export async function fetchLabRate(): Promise<LabRate> {
  const body = (await request(API_PATHS.labRate)) as Partial<LabRate> | undefined;
  return { rate: typeof body?.rate === 'number' ? body.rate : 0, sent: typeof body?.sent === 'number' ? body.sent : 0 };
}

/** Sets the transport lab's publishing rate (messages per second on `lab/tick`). */
export async function setLabRate(rate: number): Promise<void> {
  await post(API_PATHS.labRate, { rate });
}

export async function login(name: string, password: string): Promise<void> {
  await post(API_PATHS.login, { name, password });
}
