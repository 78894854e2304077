/** The protocol level read off a CONNECT's first bytes, for the answer past the connection cap (busy-refusal.ts). */
import { describe, expect, it } from 'vitest';
import { connectLevel } from '../../broker/busy-refusal.js';

const connect = (name: string, level: number, lengthBytes: number[] = [0x10]): Buffer =>
  Buffer.from([0x10, ...lengthBytes, 0x00, name.length, ...Buffer.from(name), level, 0x02, 0x00, 0x3c]);

describe('connectLevel', () => {
  it.each([
    ['MQTT 5', connect('MQTT', 5), 5],
    ['MQTT 3.1.1', connect('MQTT', 4), 4],
    ['MQTT 3.1', connect('MQIsdp', 3), 3],
    ['a four-byte remaining length', connect('MQTT', 5, [0xff, 0xff, 0xff, 0x7f]), 5],
  ])('%s', (_, head, level) => {
    expect(connectLevel(head)).toBe(level);
    // cut anywhere before the level byte, it asks for more
    const at = head.indexOf(level, 4);
    for (let n = 0; n < at; n++) expect(connectLevel(head.subarray(0, n)), `${n} bytes`).toBeNull();
  });

  it.each([
    ['not a CONNECT', Buffer.from([0x30, 0x02, 0x00, 0x00])],
    ['a CONNECT with reserved flags', Buffer.from([0x11, 0x10])],
    ['a remaining length over four bytes', Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ['a protocol name of another length', Buffer.from([0x10, 0x10, 0x00, 0x05, 0x4d])],
  ])('%s is bad', (_, head) => expect(connectLevel(head)).toBe('bad'));
});
