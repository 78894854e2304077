/** Which address X-Forwarded-For and Forwarded give, for which peers (rightmost untrusted hop). */
import { describe, expect, it } from 'vitest';
import { forwardedClient, trustItemProblem, trustedProxies } from '../../http/trusted-proxies.js';

const xff = trustedProxies(['loopback', '10.0.0.0/8'], 'x-forwarded-for');
const fwd = trustedProxies(['loopback', '2001:db8:1::/48'], 'forwarded');

describe('forwardedClient', () => {
  it.each([
    ['an untrusted peer is the client whatever it sends', { 'x-forwarded-for': '203.0.113.7' }, '198.51.100.1', '198.51.100.1'],
    ['a trusted peer without a header is the client', {}, '127.0.0.1', '127.0.0.1'],
    ['one hop through a trusted proxy', { 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1', '203.0.113.7'],
    ['a forged hop left of the real one is ignored', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.1.2.3' }, '::ffff:127.0.0.1', '203.0.113.7'],
    ['several header lines are one list', { 'x-forwarded-for': ['6.6.6.6', '203.0.113.7'] }, '127.0.0.1', '203.0.113.7'],
    ['all hops trusted: the leftmost', { 'x-forwarded-for': '10.9.9.9, 10.1.1.1' }, '127.0.0.1', '10.9.9.9'],
    ['garbage stops the walk at the proxy that wrote it', { 'x-forwarded-for': '203.0.113.7, <script>, 10.1.2.3' }, '127.0.0.1', '10.1.2.3'],
    ['the other header is not read', { forwarded: 'for=203.0.113.7' }, '127.0.0.1', '127.0.0.1'],
  ])('%s', (_name, headers, peer, client) => expect(forwardedClient(headers, peer, xff)).toBe(client));

  it.each([
    ['for= with a quoted IPv6 and port', 'for="[2001:db8::7]:4711";proto=https', '2001:db8::7'],
    ['an IPv4 with a port, through a trusted IPv6 proxy', 'for="198.51.100.17:80", for="[2001:db8:1::5]"', '198.51.100.17'],
    ['an obfuscated node is no address', 'for=_hidden', '127.0.0.1'],
  ])('Forwarded: %s', (_name, header, client) => expect(forwardedClient({ forwarded: header }, '127.0.0.1', fwd)).toBe(client));

  it('checks --trust-proxy items', () => {
    for (const good of ['loopback', '10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32']) expect(trustItemProblem(good), good).toBeNull();
    for (const bad of ['proxy.local', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x']) expect(trustItemProblem(bad), bad).toMatch(/not an IP address|prefix length/);
  });
});
