/**
 * The PROXY protocol (HAProxy's proxy-protocol.txt), versions 1 and 2: a load balancer that
 * terminates or forwards TCP prepends one header naming the client it accepted, so the broker's
 * logs and per-address limits see the device and not the balancer. Only the header is read here;
 * the bytes after it are handed back to the socket untouched.
 */
import type { Socket } from 'node:net';

/** §2.2: the 12-byte signature that starts every v2 header. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** §2.1: a v1 line is at most 107 bytes, CRLF included. */
const V1_MAX = 107;
const V1_PREFIX = Buffer.from('PROXY ');

/** `source` null: the proxy speaks for itself (v1 UNKNOWN, v2 LOCAL, or an address family without one). */
export type ProxyParse = { state: 'more' } | { state: 'bad'; reason: string } | { state: 'done'; source: string | null; length: number };

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n');
  if (end < 0) return buf.length >= V1_MAX ? { state: 'bad', reason: 'v1 header longer than 107 bytes' } : { state: 'more' };
  const [, family, source, , sourcePort] = buf.subarray(0, end).toString('latin1').split(' ');
  if (family === 'UNKNOWN') return { state: 'done', source: null, length: end + 2 };
  if ((family !== 'TCP4' && family !== 'TCP6') || !source || !sourcePort) return { state: 'bad', reason: 'malformed v1 header' };
  return { state: 'done', source, length: end + 2 };
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // RFC 5952 §4.2: the longest run of zero groups (the first of equals) becomes '::'.
  const text = groups.join(':');
  const longest = (text.match(/(?:^|:)0(?::0)+(?::|$)/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest ? text.replace(longest, '::') : text;
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < 16) return { state: 'more' };
  const version = buf[12]! >> 4;
  const command = buf[12]! & 0x0f;
  if (version !== 2 || command > 1) return { state: 'bad', reason: 'unknown v2 version or command' };
  const length = 16 + buf.readUInt16BE(14);
  if (buf.length < length) return { state: 'more' };
  const family = buf[13]! >> 4;
  // LOCAL (command 0): a health check from the proxy itself; keep the connection's own address.
  if (command === 0) return { state: 'done', source: null, length };
  if (family === 1 && length >= 16 + 12) return { state: 'done', source: [...buf.subarray(16, 20)].join('.'), length };
  if (family === 2 && length >= 16 + 36) return { state: 'done', source: ipv6(buf.subarray(16, 32)), length };
  return { state: 'done', source: null, length }; // AF_UNSPEC or AF_UNIX: no IP to report
}

/** Parses the header at the start of `buf`, or says more bytes are needed. */
export function parseProxyHeader(buf: Buffer): ProxyParse {
  const sig = buf.subarray(0, V2_SIGNATURE.length);
  if (V2_SIGNATURE.subarray(0, sig.length).equals(sig)) return sig.length < V2_SIGNATURE.length ? { state: 'more' } : parseV2(buf);
  const pre = buf.subarray(0, V1_PREFIX.length);
  if (V1_PREFIX.subarray(0, pre.length).equals(pre)) return pre.length < V1_PREFIX.length ? { state: 'more' } : parseV1(buf);
  return { state: 'bad', reason: 'no PROXY protocol header' };
}

/**
 * Reads the header off a new connection. Resolves with the client's address (null: keep the
 * socket's own) once the header is in, with the socket paused and every byte after the header
 * pushed back; the caller resumes it. Rejects on a bad header or none within `timeoutMs`.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const finish = (err: Error | null, source: string | null = null, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      if (err) reject(err);
      else resolve(source);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseProxyHeader(buf);
      if (parsed.state === 'bad') finish(new Error(parsed.reason));
      else if (parsed.state === 'done') finish(null, parsed.source, buf.subarray(parsed.length));
    };
    const onClose = (): void => finish(new Error('closed before the PROXY header'));
    const timer = setTimeout(() => finish(new Error(`no PROXY header within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
