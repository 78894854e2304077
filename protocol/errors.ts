/** Stable error codes, one catalogue for every part, with the HTTP status each maps to. */

export const ERRORS = {
  bad_request: 400,
  bad_json: 400,
  bad_topic: 400,
  bad_filter: 400,
  bad_device_id: 400,
  bad_metric: 400,
  bad_payload: 400,
  bad_param: 400,
  /** JSON nested too deep or with too many members (protocol/json-bounds.ts). */
  too_complex: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_device: 404,
  unknown_command: 404,
  method_not_allowed: 405,
  /** A command for a device that is offline: refused, not queued (README). */
  device_offline: 409,
  too_large: 413,
  too_many: 429,
  /** A handler failed: a bug, logged with the request; nothing the client can fix. */
  internal: 500,
  not_ready: 503,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; error: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, error: string): Result<T> => ({ ok: false, code, error });
