/**
 * Bounds on JSON from outside (device payloads, command args, request bodies, WebSocket
 * frames), checked on the text before it is parsed. `JSON.parse` takes 10 KB of `[[[[…]]]]`,
 * but `JSON.stringify` recurses and throws "Maximum call stack size exceeded" on it later, far
 * from the boundary (storing it, encoding it for browsers): such input is refused here instead.
 */
import { type Result, fail, ok } from './errors.js';

/** Deepest nesting of arrays and objects accepted. */
export const MAX_JSON_DEPTH = 32;
/** Most members (elements or keys) of one array or object. */
export const MAX_JSON_MEMBERS = 4096;

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Members so far of each open level, shared by every call (a call runs to its end, and resets a
 * level as it opens it): an array this size per call is an off-heap buffer each time, which
 * GC has to track, at every device message.
 */
const commas = new Uint32Array(MAX_JSON_DEPTH + 1);

/**
 * Why `text` nests deeper than MAX_JSON_DEPTH or has a container with more than
 * MAX_JSON_MEMBERS members; null when it does not. One pass, no allocation; it does not check
 * that the text is JSON (the parser does that).
 */
export function jsonShapeProblem(text: string): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nests deeper than ${MAX_JSON_DEPTH} levels`;
      commas[depth] = 0;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth = Math.max(0, depth - 1);
    else if (c === COMMA && depth > 0 && ++(commas[depth] as number) >= MAX_JSON_MEMBERS) {
      return `a JSON array or object has more than ${MAX_JSON_MEMBERS} members`;
    }
  }
  return null;
}

/** The characters a JSON text may start with after whitespace: `{ [ " - 0-9 t f n` (RFC 8259 §2, §3). */
const JSON_START = /^[\t\n\r ]*[{["\-0-9tfn]/;

/** Parses JSON text within the bounds: `too_complex` past them, `bad_json` when it is not JSON. Never throws. */
export function parseJson(text: string): Result<unknown> {
  // Plain text (`ON`, `hello`) fails here without JSON.parse throwing: a thrown SyntaxError
  // captures a stack and cost the hub a fifth of its time on a flood of text payloads.
  if (!JSON_START.test(text)) return fail('bad_json', 'not valid JSON');
  const problem = jsonShapeProblem(text);
  if (problem) return fail('too_complex', problem);
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return fail('bad_json', 'not valid JSON');
  }
}
