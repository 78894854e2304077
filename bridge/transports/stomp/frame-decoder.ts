/**
 * A streaming STOMP decoder (STOMP 1.2 §Augmented BNF): bytes in, frames out, in order, from
 * any chunking. An EOL between frames is a heart-beat. A body ends at the NULL octet, or after
 * exactly `content-length` octets, which must then be followed by a NULL (§Header content-length).
 * Every part is bounded; the first broken rule makes the decoder fail for good, because after a
 * framing error the position of the next frame is unknowable (the spec then closes the connection).
 */
import { type StompFrame, type StompVersion, escapesHeaders, isClientCommand } from './frame.js';
import { unescapeHeader } from './header-escape.js';

export interface DecoderLimits {
  /** Largest frame, headers and body included, bytes. */
  maxFrameBytes: number;
  /** Most header lines in one frame. */
  maxHeaders: number;
  /** Largest command line plus header lines, bytes. */
  maxHeaderBytes: number;
}

export type Decoded = { type: 'frame'; frame: StompFrame } | { type: 'heartbeat' } | { type: 'error'; message: string };

const LF = 0x0a;
const CR = 0x0d;
const NULL = 0x00;
const CONTENT_LENGTH = /^\d{1,10}$/;

export class FrameDecoder {
  /** Headers are unescaped by this version's rules; set it once CONNECT has negotiated. */
  version: StompVersion = '1.2';
  private pending: Buffer = Buffer.alloc(0);
  private failed: string | null = null;

  constructor(private readonly limits: DecoderLimits) {}

  /** Everything `chunk` completes. After an error nothing more is decoded. */
  push(chunk: Buffer): Decoded[] {
    if (this.failed !== null) return [];
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Decoded[] = [];
    for (;;) {
      const beats = this.skipEols();
      if (beats) out.push({ type: 'heartbeat' });
      if (this.pending.length === 0) return out;
      const step = this.next();
      if (step === null) return out;
      out.push(step);
      if (step.type === 'error') {
        this.failed = step.message;
        this.pending = Buffer.alloc(0);
        return out;
      }
    }
  }

  /** Drops leading EOLs (LF or CR LF); true if any. A lone CR waits for its LF. */
  private skipEols(): boolean {
    let i = 0;
    const p = this.pending;
    while (i < p.length) {
      if (p[i] === LF) i++;
      else if (p[i] === CR && p[i + 1] === LF) i += 2;
      else break;
    }
    if (i > 0) this.pending = p.subarray(i);
    return i > 0;
  }

  /** One frame from the start of `pending`, an error, or null when more bytes are needed. */
  private next(): Decoded | null {
    const p = this.pending;
    const headEnd = findBlankLine(p, this.limits.maxHeaderBytes);
    if (headEnd === -1) return p.length > this.limits.maxHeaderBytes ? fail(`the headers are longer than ${this.limits.maxHeaderBytes} bytes`) : null;
    const head = parseHead(p.subarray(0, headEnd.start), this.version, this.limits.maxHeaders);
    if ('message' in head) return fail(head.message);
    const bodyStart = headEnd.end;
    const lengthText = head.headers.find(([k]) => k === 'content-length')?.[1];
    let bodyEnd: number;
    if (lengthText !== undefined) {
      if (!CONTENT_LENGTH.test(lengthText)) return fail(`content-length must be a whole number of bytes, got ${JSON.stringify(lengthText.slice(0, 20))}`);
      bodyEnd = bodyStart + Number(lengthText);
      if (bodyEnd + 1 > this.limits.maxFrameBytes) return fail(`the frame is larger than ${this.limits.maxFrameBytes} bytes`);
      if (p.length <= bodyEnd) return null;
      if (p[bodyEnd] !== NULL) return fail('the body is not followed by a NULL octet where content-length says it ends');
    } else {
      bodyEnd = p.indexOf(NULL, bodyStart);
      if (bodyEnd === -1) return p.length >= this.limits.maxFrameBytes ? fail(`the frame is larger than ${this.limits.maxFrameBytes} bytes`) : null;
      if (bodyEnd + 1 > this.limits.maxFrameBytes) return fail(`the frame is larger than ${this.limits.maxFrameBytes} bytes`);
    }
    const frame: StompFrame = { command: head.command, headers: head.headers, body: Buffer.from(p.subarray(bodyStart, bodyEnd)) };
    this.pending = p.subarray(bodyEnd + 1);
    return { type: 'frame', frame };
  }
}

const fail = (message: string): Decoded => ({ type: 'error', message });

/** Where the header section ends: the EOL that ends it starts at `start`, the body at `end`; -1 if not within `max` bytes. */
function findBlankLine(p: Buffer, max: number): { start: number; end: number } | -1 {
  const limit = Math.min(p.length, max + 4);
  for (let i = p.indexOf(LF); i !== -1 && i < limit; i = p.indexOf(LF, i + 1)) {
    if (p[i + 1] === LF) return { start: i, end: i + 2 };
    if (p[i + 1] === CR && p[i + 2] === LF) return { start: i, end: i + 3 };
  }
  return -1;
}

/** The command line and header lines; each line may end in CR LF (1.2) or LF. */
function parseHead(bytes: Buffer, version: StompVersion, maxHeaders: number): { command: string; headers: [string, string][] } | { message: string } {
  const lines = bytes.toString('utf8').split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const command = lines[0] as string;
  if (!isClientCommand(command)) return { message: `${JSON.stringify(command.slice(0, 40))} is not a STOMP client command` };
  if (lines.length - 1 > maxHeaders) return { message: `more than ${maxHeaders} headers` };
  const escaped = escapesHeaders(command, version);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon === -1) return { message: `header line ${JSON.stringify(line.slice(0, 40))} has no colon` };
    const name = escaped ? unescapeHeader(line.slice(0, colon), version) : line.slice(0, colon);
    const value = escaped ? unescapeHeader(line.slice(colon + 1), version) : line.slice(colon + 1);
    if (name === null || value === null) return { message: `header line ${JSON.stringify(line.slice(0, 40))} has an escape STOMP ${version} does not define` };
    headers.push([name, value]);
  }
  return { command, headers };
}
