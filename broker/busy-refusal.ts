/**
 * A connection past the connection cap is told why before it is closed: its CONNECT's first
 * bytes give the protocol level, and it gets a CONNACK with Server Busy (0x89, MQTT 5 §3.2.2.2)
 * or, for 3.1 and 3.1.1, Server unavailable (3, [MQTT-3.2.2.3]); a client then backs off instead
 * of reconnecting at once. Only what names the level is read (at most 14 bytes), and both the
 * wait and the number of sockets being refused at once are bounded, so refusing stays cheap: past
 * either bound the socket is closed without an answer, as it was before.
 */
import type { Duplex } from 'node:stream';

/** Sockets waiting for their CONNECT's first bytes at once; more are closed unanswered. */
const MAX_REFUSING = 64;
/** How long a refused socket may take to send the bytes that name its protocol level. */
const WAIT_MS = 1_000;
/** Type (1) + remaining length (up to 4) + protocol name length (2) + "MQIsdp" (6) + the level (1). */
const MAX_HEAD = 14;

const CONNACK_V5_SERVER_BUSY = Buffer.from([0x20, 0x03, 0x00, 0x89, 0x00]);
const CONNACK_V3_SERVER_UNAVAILABLE = Buffer.from([0x20, 0x02, 0x00, 0x03]);

/** The protocol level a CONNECT's first bytes name, null while more bytes are needed, or 'bad'. */
export function connectLevel(head: Buffer): number | null | 'bad' {
  if (head.length === 0) return null;
  if (head[0] !== 0x10) return 'bad'; // CONNECT, flags 0 [MQTT-3.1.1-1]
  let i = 1;
  while (i < head.length && (head[i] as number) & 0x80) {
    if (++i > 4) return 'bad'; // at most four length bytes [MQTT-2.2.3]
  }
  if (i >= head.length) return null;
  i++; // past the last remaining-length byte
  if (head.length < i + 2) return null;
  const nameLength = head.readUInt16BE(i);
  if (nameLength !== 4 && nameLength !== 6) return 'bad'; // "MQTT", or 3.1's "MQIsdp"
  const level = i + 2 + nameLength;
  return head.length > level ? (head[level] as number) : null;
}

export function createBusyRefusal(): (socket: Duplex) => void {
  let refusing = 0;
  return (socket) => {
    if (refusing >= MAX_REFUSING) return void socket.destroy();
    refusing++;
    let head = Buffer.alloc(0);
    let settled = false;
    const done = (answer: Buffer | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      refusing--;
      if (answer) socket.end(answer, () => socket.destroy());
      else socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]).subarray(0, MAX_HEAD);
      const level = connectLevel(head);
      if (level === 'bad') done(null);
      else if (level !== null) done(level === 5 ? CONNACK_V5_SERVER_BUSY : CONNACK_V3_SERVER_UNAVAILABLE);
      else if (head.length >= MAX_HEAD) done(null);
    };
    const timer = setTimeout(() => done(null), WAIT_MS);
    timer.unref();
    socket.on('data', onData);
    socket.once('error', () => undefined); // a reset while refusing is the client's business
    socket.once('close', () => done(null));
  };
}
