/**
 * Stored form of a packet: the V8 serialization of its own data fields. It keeps Buffer and
 * string payloads apart and keeps keys whose value is undefined (Aedes' packets carry
 * `messageId: undefined` until one is assigned). Node documents the format as backward
 * compatible, so it is safe on disk.
 */
import { deserialize, serialize } from 'node:v8';

export type StoredPacket = Record<string, unknown>;

/** Serializes the packet's own enumerable fields; functions (Aedes' write callbacks) are left out. */
export function encodePacket(packet: object): Buffer {
  const fields: StoredPacket = {};
  for (const [key, value] of Object.entries(packet)) {
    if (typeof value !== 'function') fields[key] = value;
  }
  return serialize(fields);
}

export function decodePacket(blob: Buffer): StoredPacket {
  return deserialize(blob) as StoredPacket;
}
