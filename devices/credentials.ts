/**
 * Per-device credentials from a JSON object of device id → password (the `--credentials`
 * file): each device logs in with its own id as user name, which is what the hub's ACL expects.
 */
import { type Result, fail, ok } from '../protocol/errors.js';
import { isDeviceId } from '../protocol/names.js';
import type { FleetOptions } from './options.js';

/** Checks the parsed file: an object whose keys are device ids and whose values are non-empty strings. */
export function parsePasswords(data: unknown): Result<Record<string, string>> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('bad_payload', 'must be a JSON object of device id → password');
  for (const [id, password] of Object.entries(data)) {
    if (!isDeviceId(id)) return fail('bad_device_id', `'${id}' is not a device id`);
    if (typeof password !== 'string' || password.length === 0) return fail('bad_payload', `the password of ${id} must be a non-empty string`);
  }
  return ok(data as Record<string, string>);
}

/** The `credentials` option for `passwords`; devices without an entry connect without a login. */
export function passwordCredentials(passwords: Record<string, string>): NonNullable<FleetOptions['credentials']> {
  return (id) => (Object.hasOwn(passwords, id) ? { username: id, password: passwords[id] as string } : undefined);
}
