/**
 * A live message is shared by every subscriber it reaches, so each encoding is made once per
 * message and kept on it. What streams write as they are (an SSE event, a WebSocket frame) is
 * kept as bytes, so no subscriber encodes text again.
 */
import type { HubMessage } from '../../protocol/message.js';
import { formatEvent } from './sse-format.js';

/** The encodings made of one message so far. */
class Encodings {
  json: string | undefined = undefined;
  sse: Buffer | undefined = undefined;
  ws: Buffer | undefined = undefined;
  script: string | undefined = undefined;
}

/**
 * Kept on the message itself, under a symbol key and not enumerable: JSON.stringify,
 * structuredClone, spreads and deep equality all skip it, and it goes when the message does.
 * (A WeakMap did the same job, but its table drops dead messages only in a full GC: at 10,000
 * msg/s its lookups took 4.4 % of the event loop, one of them 81 ms.)
 */
const ENCODINGS = Symbol('encodings');

function encodingsOf(msg: HubMessage): Encodings {
  const held = (msg as HubMessage & { [ENCODINGS]?: Encodings })[ENCODINGS];
  if (held !== undefined) return held;
  const made = new Encodings();
  Object.defineProperty(msg, ENCODINGS, { value: made });
  return made;
}

/** The message as the JSON text every transport carries. */
export function messageJson(msg: HubMessage): string {
  const made = encodingsOf(msg);
  return (made.json ??= JSON.stringify(msg));
}

/** Characters of the message's JSON (≈ bytes, for the hub's byte bounds); 0 when it cannot be encoded, which the sink reports when it skips it. */
export function messageSize(msg: HubMessage): number {
  try {
    return messageJson(msg).length;
  } catch {
    return 0;
  }
}

/** The message as one SSE event: `id: <seq>`, `event: <kind>`, `data: <JSON>` (CONTRACT.md), UTF-8. */
export function messageEvent(msg: HubMessage): Buffer {
  const made = encodingsOf(msg);
  return (made.sse ??= Buffer.from(formatEvent({ id: msg.seq, event: msg.kind, data: messageJson(msg) })));
}

/** The message's JSON as one WebSocket text frame from a server: the same bytes for every socket (wsTextFrame). */
export function messageFrame(msg: HubMessage): Buffer {
  const made = encodingsOf(msg);
  return (made.ws ??= wsTextFrame(messageJson(msg)));
}

/**
 * A final, unmasked text frame (RFC 6455 §5.2: FIN and opcode 1, then the payload length in 7
 * bits, or 126 and 16 bits, or 127 and 64 bits). Servers never mask (§5.1), so a frame is not
 * tied to its socket.
 */
export function wsTextFrame(text: string): Buffer {
  const size = Buffer.byteLength(text);
  const head = size < 126 ? 2 : size < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + size);
  frame[0] = 0x81;
  if (head === 2) frame[1] = size;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(size, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(size), 2);
  }
  frame.write(text, head);
  return frame;
}

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON text made safe inside an HTML <script> element: `<`, `>` and `&` become \u escapes, so
 * no string can close the element or open a comment (HTML §4.12.1.3), and U+2028/9 cannot
 * break older script parsers. Those characters only occur inside JSON strings, where the
 * escape means the same character: the value is unchanged.
 */
export function scriptSafe(jsonText: string): string {
  return jsonText.replace(SCRIPT_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A key `__proto__` as JSON.stringify writes it; nothing inside a JSON string can end with an unescaped `":`. */
const PROTO_KEY = '"__proto__":';

function scriptValueOf(msg: HubMessage): string {
  const text = messageJson(msg);
  return text.includes(PROTO_KEY) ? `JSON.parse(${scriptSafe(JSON.stringify(text))})` : scriptSafe(text);
}

/**
 * The message as a JavaScript expression for an inline script. JSON text is an object literal,
 * except that a literal's `"__proto__"` key sets the prototype instead of making a key
 * (ECMA-262, "__proto__ Property Names in Object Initializers"), so it would lose a device's or user property of that name: such a
 * message is passed through JSON.parse instead, which keeps it as a key.
 */
export function messageScriptValue(msg: HubMessage): string {
  const made = encodingsOf(msg);
  return (made.script ??= scriptValueOf(msg));
}
