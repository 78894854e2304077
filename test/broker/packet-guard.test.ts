/** The framing check that runs before Aedes' parser, fed whole and in every possible split. */
import { describe, expect, it } from 'vitest';
import { FrameScanner } from '../../broker/packet-guard.js';
import { connectPacket, publishPacket, remainingLength, subscribePacket } from './support/raw-packets.js';

const LIMIT = 1024;

/** Scans `bytes` one byte at a time; the reason of the first error, or null. */
function scanBytewise(bytes: Buffer): string | null {
  const s = new FrameScanner(LIMIT);
  for (let i = 0; i < bytes.length; i++) {
    const err = s.scan(bytes.subarray(i, i + 1));
    if (err) return err.reason;
  }
  return null;
}

/** Scans `bytes` in two chunks cut at `at`; the reason of the first error, or null. */
function scanSplit(bytes: Buffer, at: number): string | null {
  const s = new FrameScanner(LIMIT);
  const err = s.scan(bytes.subarray(0, at)) ?? s.scan(bytes.subarray(at));
  return err ? err.reason : null;
}

const good = Buffer.concat([connectPacket('c1'), publishPacket('lab/x', 'hello', { qos: 1, messageId: 2 }), publishPacket('lab/größe/温度', 'ok'), subscribePacket(3, 'lab/#', 1), Buffer.from([0xc0, 0x00]), publishPacket('t', Buffer.alloc(LIMIT - 6))]); // the last one exactly LIMIT bytes

describe('FrameScanner', () => {
  it('accepts a stream of valid packets however it is split', () => {
    for (let at = 0; at <= good.length; at++) expect(scanSplit(good, at), `split at ${at}`).toBeNull();
    expect(scanBytewise(good)).toBeNull();
  });

  it.each([
    ['a packet one byte over the limit', publishPacket('t', Buffer.alloc(LIMIT - 5)), 'oversized'],
    ['a header announcing 256 MiB', Buffer.concat([Buffer.from([0x30]), remainingLength(268_435_455)]), 'oversized'],
    ['reserved type 0', Buffer.from([0x00, 0x00]), 'malformed'],
    ['reserved type 15', Buffer.from([0xf0, 0x00]), 'malformed'],
    ['a 5-byte remaining length', Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), 'malformed'],
    // [MQTT-1.5.3-1]: 0xff never occurs in UTF-8; 0xc3 0x28 is a broken two-byte sequence.
    ['a PUBLISH topic with a byte that is never UTF-8', publishPacket(Buffer.from([0x61, 0x2f, 0xff]), 'x'), 'malformed'],
    ['a PUBLISH topic with a broken UTF-8 sequence', publishPacket(Buffer.from([0x61, 0xc3, 0x28]), 'x', { qos: 1, messageId: 4 }), 'malformed'],
  ])('refuses %s, split anywhere', (_what, bad, reason) => {
    const bytes = Buffer.concat([good, bad]);
    for (let at = 0; at <= bytes.length; at++) expect(scanSplit(bytes, at), `split at ${at}`).toBe(reason);
    expect(scanBytewise(bytes)).toBe(reason);
  });
});
