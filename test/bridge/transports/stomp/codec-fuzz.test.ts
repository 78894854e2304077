/**
 * The decoder against random frames from a seeded PRNG (so a failure replays): random
 * commands, headers full of characters that need escaping, bodies with and without
 * content-length, cut into random chunks — every frame must come back exactly. Random bytes
 * and mutated frames must never throw, and decoding stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../../bridge/transports/stomp/frame-decoder.js';
import { CLIENT_COMMANDS, type StompVersion, escapesHeaders } from '../../../../bridge/transports/stomp/frame.js';
import { escapeHeader } from '../../../../bridge/transports/stomp/header-escape.js';
import { type Rng, createRng } from '../../../../devices/random.js';

const LIMITS = { maxFrameBytes: 4096, maxHeaders: 16, maxHeaderBytes: 2048 };
const CASES = 300;
const ALPHABET = ['a', 'Z', '0', ':', '\\', '\n', '\r', ' ', '/', '+', '#', 'é', '✓', '\t'];

interface Spec {
  command: string;
  headers: [string, string][];
  body: Buffer;
}

/** 1.0 cannot carry CR, LF or (in names) `:`, and 1.1 has no escape for CR: the encoder would change those. */
const alphabetOf = (version: StompVersion): string[] => (version === '1.0' ? ['a', 'b', '7', '-', '/'] : version === '1.1' ? ALPHABET.filter((c) => c !== '\r') : ALPHABET);

function randomText(rng: Rng, max: number, alphabet: string[]): string {
  let s = '';
  for (let i = rng.int(1, max); i > 0; i--) s += rng.pick(alphabet);
  return s;
}

function randomFrame(rng: Rng, version: StompVersion): Spec {
  const command = rng.pick(CLIENT_COMMANDS.filter((c) => c !== 'CONNECT' && c !== 'STOMP'));
  const alphabet = alphabetOf(version);
  const headers: [string, string][] = [];
  for (let i = rng.int(0, 6); i > 0; i--) headers.push([randomText(rng, 8, alphabet), rng.chance(0.1) ? '' : randomText(rng, 20, alphabet)]);
  const withLength = rng.chance(0.5);
  const body = Buffer.from(Array.from({ length: rng.int(0, 200) }, () => (withLength ? rng.int(0, 255) : rng.int(1, 255))));
  if (withLength) headers.unshift(['content-length', String(body.length)]);
  return { command, headers, body };
}

function encode(f: Spec, version: StompVersion): Buffer {
  const escaped = escapesHeaders(f.command, version);
  const head = f.headers.map(([k, v]) => (escaped ? `${escapeHeader(k, version, true)}:${escapeHeader(v, version)}` : `${k}:${v}`)).join('\n');
  const eol = version === '1.2' ? '\r\n' : '\n';
  return Buffer.concat([Buffer.from(`${f.command}${eol}${head}${head ? eol : ''}${eol}`), f.body, Buffer.from([0]), Buffer.from('\n'.repeat(f.command.length % 3))]);
}

function chunks(rng: Rng, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = rng.int(1, 64);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe.each(['1.2', '1.1', '1.0'] as const)('STOMP %s decoder on random frames', (version) => {
  it(`decodes ${CASES} random frames exactly, cut anywhere`, () => {
    const rng = createRng(0x570 + version.charCodeAt(2));
    const specs = Array.from({ length: CASES }, () => randomFrame(rng, version));
    const d = new FrameDecoder(LIMITS);
    d.version = version;
    const got = chunks(rng, Buffer.concat(specs.map((s) => encode(s, version)))).flatMap((c) => d.push(c));
    expect(got.filter((x) => x.type === 'error')).toEqual([]);
    const decoded = got.flatMap((x) => (x.type === 'frame' ? [x.frame] : []));
    expect(decoded).toHaveLength(CASES);
    decoded.forEach((f, i) => {
      const spec = specs[i] as Spec;
      expect(f.command).toBe(spec.command);
      expect(f.headers).toEqual(spec.headers);
      expect(f.body.equals(spec.body)).toBe(true);
    });
  });
});

describe('the decoder on hostile bytes', () => {
  it('never throws on random bytes, and fails or waits within its limits', () => {
    const rng = createRng(0xbad);
    for (let i = 0; i < CASES; i++) {
      const d = new FrameDecoder(LIMITS);
      const bytes = Buffer.from(Array.from({ length: rng.int(1, 6000) }, () => rng.pick([0, 10, 13, 58, 92, rng.int(0, 255)])));
      const out = chunks(rng, bytes).flatMap((c) => d.push(c));
      for (const x of out) if (x.type === 'frame') expect(x.frame.body.length).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
    }
  });

  it('never throws on valid frames with one byte changed', () => {
    const rng = createRng(0xf11);
    for (let i = 0; i < CASES; i++) {
      const bytes = Buffer.from(encode(randomFrame(rng, '1.2'), '1.2'));
      bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
      const d = new FrameDecoder(LIMITS);
      expect(() => chunks(rng, bytes).flatMap((c) => d.push(c))).not.toThrow();
    }
  });
});
