/**
 * Server frames as text (STOMP 1.2 §Frames): command, escaped headers, a blank line, the body,
 * NULL. A frame with a body carries `content-length` (§Header content-length: SHOULD), so
 * clients need not scan it for NULL.
 */
import { type OutgoingFrame, type StompVersion, escapesHeaders } from './frame.js';
import { escapeHeader } from './header-escape.js';

export function encodeFrame(frame: OutgoingFrame, version: StompVersion): string {
  const escaped = escapesHeaders(frame.command, version);
  const body = frame.body ?? '';
  let text = `${frame.command}\n`;
  for (const [name, value] of frame.headers) {
    text += escaped ? `${escapeHeader(name, version, true)}:${escapeHeader(value, version)}\n` : `${escapeHeader(name, '1.0', true)}:${escapeHeader(value, '1.0')}\n`;
  }
  if (body.length > 0) text += `content-length:${Buffer.byteLength(body)}\n`;
  return `${text}\n${body}\0`;
}

/** A heart-beat is one EOL (§Heart-beating). */
export const HEARTBEAT = '\n';
