/**
 * `--trust-proxy`: the reverse proxies whose X-Forwarded-For or Forwarded (RFC 7239) header is
 * believed. The client is the rightmost address in the chain (the header's hops, then the direct
 * peer) that is not a trusted proxy: every hop to its right was added by a proxy we trust, every
 * hop to its left was written by the client itself and may be forged. A peer that is not trusted
 * is the client, whatever its header says.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';

export type ForwardedHeader = 'x-forwarded-for' | 'forwarded';

export const FORWARDED_HEADERS: readonly ForwardedHeader[] = ['x-forwarded-for', 'forwarded'];

export interface TrustedProxies {
  trusts(address: string): boolean;
  /** The one header read: a proxy appends to the header it uses and passes any other on as the client sent it. */
  header: ForwardedHeader;
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** Checks one `--trust-proxy` item (an address, a CIDR, or `loopback`); returns what is wrong, or null. */
export function trustItemProblem(item: string): string | null {
  if (item === 'loopback') return null;
  const [address = '', bits, extra] = item.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `'${item}' is not an IP address, a CIDR such as 10.0.0.0/8, or loopback`;
  if (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128))) return `'${item}' has a prefix length outside 0-${family === 4 ? 32 : 128}`;
  return null;
}

/** The proxies `items` name; each item must pass trustItemProblem. */
export function trustedProxies(items: readonly string[], header: ForwardedHeader): TrustedProxies {
  const list = new BlockList();
  for (const item of items) {
    if (item === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', bits] = item.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return {
    header,
    trusts(address) {
      const ip = plain(address);
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** RFC 7239 §6: `for=192.0.2.60`, `for="[2001:db8::1]:4711"`, `for="198.51.100.17:80"`; obfuscated or `unknown` nodes are not addresses. */
function forwardedNode(element: string): string {
  const pair = element.split(';').map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('for='));
  const value = (pair?.slice(4) ?? '').replace(/^"(.*)"$/, '$1');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1] ?? '';
  return /^\d+\.\d+\.\d+\.\d+:\d+$/.test(value) ? value.slice(0, value.lastIndexOf(':')) : value;
}

/** The hops the header lists, leftmost (farthest from the hub) first. */
function hops(headers: IncomingHttpHeaders, header: ForwardedHeader): string[] {
  const raw = headers[header];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  if (text.trim() === '') return [];
  const items = text.split(',').map((item) => item.trim());
  return header === 'forwarded' ? items.map(forwardedNode) : items;
}

/** The client's address for a request whose direct peer is `peer` (see the file comment). */
export function forwardedClient(headers: IncomingHttpHeaders, peer: string, trust: TrustedProxies): string {
  let client = plain(peer);
  if (!trust.trusts(client)) return client;
  const chain = hops(headers, trust.header);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = plain(chain[i] ?? '');
    // A hop that is no address (garbage, `unknown`, an obfuscated name) ends the walk: the proxy that wrote it is as far as we can see.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trust.trusts(hop)) return hop;
  }
  return client;
}
