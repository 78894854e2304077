/**
 * Header escaping (STOMP 1.2 §Value Encoding): `\r`, `\n`, `:` and `\` are written as `\r`,
 * `\n`, `\c` and `\\`. STOMP 1.1 has no `\r` escape, and 1.0 none at all. An escape the
 * version does not define is a fatal error, so unescaping returns null for it.
 */
import type { StompVersion } from './frame.js';

const ESCAPES_12: Record<string, string> = { r: '\r', n: '\n', c: ':', '\\': '\\' };
const ESCAPES_11: Record<string, string> = { n: '\n', c: ':', '\\': '\\' };

/** The header text as sent, or null when it holds an escape `version` does not define. */
export function unescapeHeader(text: string, version: StompVersion): string | null {
  if (version === '1.0' || !text.includes('\\')) return text;
  const table = version === '1.2' ? ESCAPES_12 : ESCAPES_11;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const meant = table[text[++i] ?? ''];
    if (meant === undefined) return null;
    out += meant;
  }
  return out;
}

/**
 * A header name or value ready to write. In 1.1 a CR cannot be escaped and in 1.0 nothing can,
 * so CR and LF become spaces there rather than break the frame (and, in 1.0, `:` in a name).
 */
const NEEDS_ESCAPE = /[\\\n:\r]/;

export function escapeHeader(text: string, version: StompVersion, isName = false): string {
  if (version === '1.0') return text.replace(isName ? /[\r\n:]/g : /[\r\n]/g, ' ');
  if (!NEEDS_ESCAPE.test(text)) return text; // the usual case: nothing to escape
  let out = '';
  for (const c of text) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === ':') out += '\\c';
    else if (c === '\r') out += version === '1.2' ? '\\r' : ' ';
    else out += c;
  }
  return out;
}
