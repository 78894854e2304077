/**
 * Option value parsers for commander. Each throws InvalidArgumentError with what is wrong;
 * commander prefixes the option's name, so a bad value stops start-up with one clear line.
 */
import { InvalidArgumentError } from 'commander';
import { trustItemProblem } from '../http/trusted-proxies.js';
import { durationMs } from '../protocol/duration.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one).');
  return n;
}

/** A listener's port, or `off`: that listener is not started. (Not null: commander turns a parsed null into ''.) */
export function parseListenPort(value: string): number | 'off' {
  if (value.trim().toLowerCase() === 'off') return 'off';
  try {
    return parsePort(value);
  } catch {
    throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one), or off.');
  }
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be a whole number, 0 or more.');
  return n;
}

/** `500ms`, `10s`, `5m`, `7d`, or a bare number of milliseconds. */
export function parseDuration(value: string): number {
  const ms = durationMs(value);
  if (ms === null) throw new InvalidArgumentError('must be a duration such as 500ms, 10s, 5m, 2h or 7d.');
  return ms;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kib: 1024, kb: 1000, mib: 1024 ** 2, mb: 1000 ** 2 };

/** `262144`, `256KiB`, `1MiB`, `64kb`. */
export function parseSize(value: string): number {
  const m = /^(\d+)\s*(b|kib|kb|mib|mb)?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a size such as 262144, 256KiB or 1MiB.');
  return Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1);
}

/** A comma-separated list, e.g. of origins. Empty items are dropped. */
export function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseOrigin(value: string): string[] {
  const origins = parseList(value);
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new InvalidArgumentError(`'${origin}' is not an origin such as https://example.com.`);
    }
    if (url.origin !== origin) throw new InvalidArgumentError(`'${origin}' is not an origin: write it as ${url.origin}.`);
  }
  return origins;
}

/** `--trust-proxy`: addresses, CIDRs and `loopback`, comma-separated. */
export function parseTrustProxy(value: string): string[] {
  const items = parseList(value).map((item) => item.toLowerCase());
  for (const item of items) {
    const problem = trustItemProblem(item);
    if (problem) throw new InvalidArgumentError(`${problem}.`);
  }
  return items;
}

/** Host names (`hub.local,fleet.example.com`): letters, digits, `-` and `.`, lower-cased. */
export function parseHostNames(value: string): string[] {
  const names = parseList(value).map((name) => name.toLowerCase());
  for (const name of names) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name) || name.length > 253) {
      throw new InvalidArgumentError(`'${name}' is not a host name such as hub.local (no port, no scheme).`);
    }
  }
  return names;
}
