/**
 * The topic of a PUBLISH as it arrives, before Aedes' parser decodes it: a topic must be
 * well-formed UTF-8 or the connection is closed [MQTT-1.5.3-1]; the parser would put U+FFFD in
 * place of the bad bytes and carry it on. One check per connection, reset per PUBLISH: a topic
 * inside one chunk (nearly all) is checked where it lies, with no copy; only one split across
 * chunks is collected first.
 */
import { isUtf8 } from 'node:buffer';

const NOT_UTF8 = 'PUBLISH topic is not well-formed UTF-8 [MQTT-1.5.3-1]';

/** Whether bytes [from, to) of `chunk` are well-formed UTF-8; ASCII, the common case, without a view. */
function wellFormed(chunk: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((chunk[i] as number) >= 0x80) return isUtf8(chunk.subarray(i, to));
  return true;
}

/** Collects a PUBLISH topic (a 2-byte length, then the bytes [MQTT-1.5.3]) across chunks and checks it. */
export class TopicCheck {
  /** Bytes of a topic split across chunks, null while none is. */
  private held: Buffer | null = null;
  /** Topic bytes (length prefix included) still unchecked; 0 once the topic is checked. */
  private need = 0;

  /** Starts on a new PUBLISH. */
  reset(): void {
    this.held = null;
    this.need = 2;
  }

  /** Takes the next body bytes, [from, to) of `chunk`; what is wrong once the topic is known to be bad, else null. */
  add(chunk: Buffer, from: number, to: number): string | null {
    if (this.need === 0) return null;
    if (this.held === null && to - from >= 2) {
      const end = from + 2 + chunk.readUInt16BE(from);
      if (end <= to) {
        this.need = 0;
        return wellFormed(chunk, from + 2, end) ? null : NOT_UTF8;
      }
    }
    const held = this.held ?? Buffer.alloc(0);
    this.held = Buffer.concat([held, chunk.subarray(from, Math.min(to, from + this.need - held.length))]);
    if (this.need === 2 && this.held.length >= 2) this.need = 2 + this.held.readUInt16BE(0);
    if (this.held.length < this.need) {
      // The length arrived with this chunk: take the rest of the topic from it too.
      const taken = this.held.length - held.length;
      return from + taken < to ? this.add(chunk, from + taken, to) : null;
    }
    this.need = 0;
    return isUtf8(this.held.subarray(2)) ? null : NOT_UTF8;
  }
}
