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
  /** A request (headers or body) that did not arrive in time. */
  request_timeout: 408,
  /** A command for a device that is offline: refused, not queued (README). */
  device_offline: 409,
  too_large: 413,
  /** A JSON route sent a body that is not `application/json`. */
  unsupported_media_type: 415,
  too_many: 429,
  /** Request headers larger than the server reads. */
  headers_too_large: 431,
  /** A handler failed: a bug, logged with the request; nothing the client can fix. */
  internal: 500,
  not_ready: 503,
  /** The hub holds as many HTTP connections as it may. */
  busy: 503,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; error: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, error: string): Result<T> => ({ ok: false, code, error });
