/**
 * Where a webhook may go. Only http(s); and not to loopback, private, link-local or other
 * non-public addresses unless allowed (the hub listens on loopback only, or the operator
 * said so), so that a rule cannot make the hub a way into its own network. The check runs on
 * the URL when a rule is made and again on every address DNS gives at connection time
 * (`guardedLookup`), so a name that later resolves inward is refused too.
 */
import { type LookupAddress, type LookupOptions, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { type Result, fail, ok } from '../../protocol/errors.js';

// IANA special-purpose registries (RFC 6890 and successors): nothing here is the public internet.
const inward = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) inward.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) inward.addSubnet(net, prefix, 'ipv6');

/** True for an address outside the public internet (IPv4-mapped IPv6 judged as its IPv4). */
export function isInwardAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return inward.check(mapped[1] as string, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return inward.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL, normalised, when a webhook may be sent there. */
export function checkWebhookUrl(text: string, allowInward: boolean): Result<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('bad_param', '"webhook" must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('bad_param', `"webhook" must be http or https, not ${url.protocol.replace(':', '')}`);
  if (url.username || url.password) return fail('bad_param', '"webhook" must not carry a user name or password; put a token in the path or query');
  if (text.length > 2048) return fail('bad_param', '"webhook" must be at most 2048 characters');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowInward && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isInwardAddress(host)))) {
    return fail('bad_param', `"webhook" points at a loopback or private address (${host}); allowed only while the hub listens on loopback, or with --webhook-allow-private`);
  }
  return ok(url.toString());
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses inward addresses unless allowed. */
export function guardedLookup(allowInward: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const usable = allowInward ? addresses : addresses.filter((a) => !isInwardAddress(a.address));
      if (usable.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(`webhook host ${hostname} resolves only to loopback or private addresses`);
        refused.code = 'EWEBHOOKINWARD';
        return callback(refused, []);
      }
      const first = usable[0] as LookupAddress;
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}
