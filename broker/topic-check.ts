/**
 * The topic of a PUBLISH as it arrives, before Aedes' parser decodes it: a topic must be
 * well-formed UTF-8 or the connection is closed [MQTT-1.5.3-1]; the parser would put U+FFFD in
 * place of the bad bytes and carry it on.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Collects a PUBLISH topic (a 2-byte length, then the bytes [MQTT-1.5.3]) across chunks and checks it. */
export class TopicCheck {
  private bytes = Buffer.alloc(0);
  private need = 2;

  /** Takes the next body bytes; what is wrong once the topic is known to be bad, else null. */
  add(part: Buffer): string | null {
    if (this.bytes.length >= this.need) return null;
    const had = this.bytes.length;
    this.bytes = Buffer.concat([this.bytes, part.subarray(0, this.need - had)]);
    if (this.need === 2 && this.bytes.length === 2) {
      this.need = 2 + this.bytes.readUInt16BE(0);
      return this.add(part.subarray(2 - had));
    }
    if (this.bytes.length < this.need) return null;
    try {
      utf8.decode(this.bytes.subarray(2));
      return null;
    } catch {
      return 'PUBLISH topic is not well-formed UTF-8 [MQTT-1.5.3-1]';
    }
  }
}
