/**
 * The hub's REST endpoints (CONTRACT.md "HTTP"), typed and checked. Every call has a time
 * limit and fails with an ApiError carrying the hub's own `{"error"}` text, never a raw throw
 * from JSON or the network.
 */
import type { DeviceView, HistoryBody, HubMessage, Json } from '../../../protocol/message.js';
import { isHubMessage, listOf, toDeviceView } from './message-guard.js';
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

/** Stored events, of one device or of all. */
export async function fetchEvents(device: string | undefined, limit: number): Promise<HubMessage[]> {
  const body = await request(`${API_PATHS.events}?${query({ device, limit })}`);
  return listOf(body, 'events').filter(isHubMessage);
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
