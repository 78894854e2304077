/**
 * The JSON paths mapping rules name a value by: `ENERGY.Voltage`, `aenergy.total`,
 * `params['switch:0'].output`, `sensors[0]`, `*.Temperature` (`*`: the first key at that level
 * under which the rest of the path resolves, for Tasmota's sensor-named objects) and `$` or
 * `value` for the whole payload. Looked up, never evaluated.
 */
import type { Json } from '../../protocol/message.js';

export type PathSegment = string | number;
/**
 * A parsed path; `'*'` in a segment is the wildcard, an empty list the whole payload. A path
 * may have alternatives, tried in order (Zigbee2MQTT's availability is `{"state":"online"}` or,
 * before 1.32, the bare text `online`).
 */
export type JsonPath = { readonly text: string; readonly alternatives: readonly (readonly PathSegment[])[] };

const MAX_PATH_LENGTH = 200;

/** `$`: the whole payload. */
export const WHOLE_PAYLOAD: JsonPath = { text: '$', alternatives: [[]] };
/** One top-level key. */
export const keyPath = (key: string): JsonPath => ({ text: key, alternatives: [[key]] });
const NAME = /^[A-Za-z_$][\w$-]*|^\*/;

/** Parses one path or a list of alternatives; returns the reason when one is not a path. */
export function parseJsonPath(text: string | readonly string[]): JsonPath | string {
  const list = typeof text === 'string' ? [text] : text;
  if (list.length === 0 || list.length > 4) return 'a list of paths has 1 to 4 of them';
  const alternatives: PathSegment[][] = [];
  for (const one of list) {
    const segments = segmentsOf(one);
    if (typeof segments === 'string') return segments;
    alternatives.push(segments);
  }
  return { text: list.join(' or '), alternatives };
}

function segmentsOf(text: string): PathSegment[] | string {
  if (text.length === 0 || text.length > MAX_PATH_LENGTH) return `a path has 1 to ${MAX_PATH_LENGTH} characters`;
  if (text === '$' || text === 'value') return [];
  const segments: PathSegment[] = [];
  let rest = text.startsWith('$.') ? text.slice(2) : text;
  let first = true;
  while (rest.length > 0) {
    if (rest.startsWith('[')) {
      const m = /^\[(?:(\d{1,6})|'([^'\\]*)'|"([^"\\]*)")\]/.exec(rest);
      if (!m) return `"${text}": after "[" comes a number or a quoted key and "]"`;
      segments.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3] ?? ''));
      rest = rest.slice(m[0].length);
    } else {
      if (!first) {
        if (!rest.startsWith('.')) return `"${text}": expected "." or "[" before "${rest.slice(0, 20)}"`;
        rest = rest.slice(1);
      }
      const m = NAME.exec(rest);
      if (!m) return `"${text}": "${rest.slice(0, 20)}" is not a key (letters, digits, _, -; quote others as ['key'])`;
      segments.push(m[0]);
      rest = rest.slice(m[0].length);
    }
    first = false;
  }
  return segments;
}

const own = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

function lookUp(value: Json | undefined, segments: readonly PathSegment[], from: number): Json | undefined {
  let current = value;
  for (let i = from; i < segments.length; i++) {
    const segment = segments[i] as PathSegment;
    if (current === null || typeof current !== 'object' || current === undefined) return undefined;
    if (typeof segment === 'number') {
      current = Array.isArray(current) ? current[segment] : undefined;
    } else if (Array.isArray(current)) {
      return undefined;
    } else if (segment === '*') {
      // Only own keys: a payload's "__proto__" or "constructor" is data, never the prototype.
      for (const key of Object.keys(current)) {
        const found = lookUp(current[key], segments, i + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    } else {
      current = own(current, segment) ? current[segment] : undefined;
    }
  }
  return current;
}

/** The value at `path` (its first alternative that is there) in `value`, undefined when none is. */
export function valueAt(value: Json, path: JsonPath): Json | undefined {
  for (const segments of path.alternatives) {
    const found = lookUp(value, segments, 0);
    if (found !== undefined) return found;
  }
  return undefined;
}
