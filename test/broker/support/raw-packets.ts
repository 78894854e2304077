/** MQTT 3.1.1 (and a few MQTT 5) packets as bytes (§2-3), for tests that must send what no client library would. */

/** The remaining length, 1-4 bytes of 7 bits each [MQTT-2.2.3]. */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer): Buffer => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const packet = (first: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);

export interface ConnectOptions {
  clean?: boolean;
  keepalive?: number;
  protocol?: string;
  /** 4 (3.1.1, the default) or 5; an MQTT 5 CONNECT carries a Session Expiry Interval property. */
  version?: 4 | 5;
  /** MQTT 5 Session Expiry Interval, seconds; default 0. */
  sessionExpiry?: number;
  /** A last will with that topic and QoS (any 2-bit value, 3 included). */
  will?: { topic: string; qos: number };
  /** User name and password flags and fields [MQTT-3.1.2-18..21]. */
  username?: string;
  password?: string;
}

/** A CONNECT; its payload fields in the order of [MQTT-3.1.3]: client id, will, user name, password. */
export function connectPacket(clientId: string, opts: ConnectOptions = {}): Buffer {
  const login = opts.username === undefined ? 0 : 0x80 | (opts.password === undefined ? 0 : 0x40);
  const flags = (opts.clean === false ? 0 : 0x02) | (opts.will ? 0x04 | (opts.will.qos << 3) : 0) | login;
  const version = opts.version ?? 4;
  const expiry = Buffer.alloc(4);
  expiry.writeUInt32BE(opts.sessionExpiry ?? 0);
  const properties = version === 5 ? Buffer.concat([Buffer.from([5, 0x11]), expiry]) : Buffer.alloc(0); // [MQTT-3.1.2.11]
  // An MQTT 5 will starts with its own (here empty) properties [MQTT-3.1.3.2].
  const will = opts.will ? Buffer.concat([version === 5 ? Buffer.from([0]) : Buffer.alloc(0), str(opts.will.topic), str('{"online":false}')]) : Buffer.alloc(0);
  const credentials = [opts.username, opts.password].filter((s) => s !== undefined).map(str);
  return packet(0x10, Buffer.concat([str(opts.protocol ?? 'MQTT'), Buffer.from([version, flags]), u16(opts.keepalive ?? 60), properties, str(clientId), will, ...credentials]));
}

export function publishPacket(topic: string | Buffer, payload: Buffer | string, opts: { qos?: 0 | 1 | 2; messageId?: number; dup?: boolean; version?: 4 | 5 } = {}): Buffer {
  const qos = opts.qos ?? 0;
  const first = 0x30 | (opts.dup ? 0x08 : 0) | (qos << 1);
  const id = qos > 0 ? u16(opts.messageId ?? 1) : Buffer.alloc(0);
  const properties = Buffer.alloc(opts.version === 5 ? 1 : 0); // MQTT 5: an empty property list [MQTT-3.3.2.3]
  return packet(first, Buffer.concat([str(topic), id, properties, Buffer.from(payload)]));
}

export function subscribePacket(messageId: number, filter: string, qos: 0 | 1 | 2, version: 4 | 5 = 4): Buffer {
  const properties = Buffer.alloc(version === 5 ? 1 : 0);
  return packet(0x82, Buffer.concat([u16(messageId), properties, str(filter), Buffer.from([qos])]));
}

export const pubrelPacket = (messageId: number): Buffer => packet(0x62, u16(messageId));

export const pubackPacket = (messageId: number): Buffer => packet(0x40, u16(messageId));

export interface RawPacket {
  /** upper nibble of the first byte */
  type: number;
  /** lower nibble of the first byte */
  flags: number;
  body: Buffer;
}

/** Cuts a byte stream into whole packets, however it arrives. */
export class PacketReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns the packets they complete. */
  push(chunk: Buffer): RawPacket[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: RawPacket[] = [];
    let i = 0;
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let at = i + 1;
      let complete = false;
      while (at < this.pending.length && at - i <= 4) {
        const byte = this.pending[at++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || at + length > this.pending.length) break;
      const first = this.pending[i] as number;
      out.push({ type: first >> 4, flags: first & 0x0f, body: this.pending.subarray(at, at + length) });
      i = at + length;
    }
    this.pending = this.pending.subarray(i);
    return out;
  }
}

/** The payload of a PUBLISH body (after the topic, for QoS 1/2 the packet id, and for MQTT 5 the properties). */
export function publishPayload(p: RawPacket, version: 4 | 5 = 4): Buffer {
  const topicLength = p.body.readUInt16BE(0);
  const qos = (p.flags >> 1) & 3;
  let at = 2 + topicLength + (qos > 0 ? 2 : 0);
  if (version === 5) {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = p.body[at++] as number;
      length += (byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    at += length;
  }
  return p.body.subarray(at);
}

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBCOMP = 7;
export const SUBACK = 9;
