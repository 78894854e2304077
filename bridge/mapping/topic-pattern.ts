/**
 * The topic a mapping rule listens on: MQTT filter levels ([MQTT-4.7]: `+` one level, `#` the
 * rest, last) plus two named levels, `{id}` (the device id, required once) and `{metric}` (a
 * reading named by the topic, as ESPHome's `<node>/sensor/<name>/state`).
 */

export interface TopicPattern {
  readonly text: string;
  readonly levels: readonly string[];
  /** The subscription filter the pattern covers, for access checks: named levels become `+`. */
  readonly filter: string;
}

export interface TopicCaptures {
  id: string;
  metric?: string;
}

const NAMED = new Set(['{id}', '{metric}']);
const MAX_PATTERN_LENGTH = 256;

/** Parses `text`; returns the reason when it is not a pattern. */
export function parseTopicPattern(text: string): TopicPattern | string {
  if (text.length === 0 || text.length > MAX_PATTERN_LENGTH) return `a topic has 1 to ${MAX_PATTERN_LENGTH} characters`;
  if (text.startsWith('$')) return `"${text}": topics starting with "$" are the broker's own [MQTT-4.7.2]`;
  const levels = text.split('/');
  // Native traffic (`devices/...`) is never mapped, so no pattern may reach it.
  if (['devices', '+', '#', '{metric}'].includes(levels[0] as string)) return `"${text}": the first level must be {id} or a fixed word other than "devices"`;
  let ids = 0;
  for (const [i, level] of levels.entries()) {
    if (level === '#') {
      if (i !== levels.length - 1) return `"${text}": "#" must be the last level [MQTT-4.7.1-2]`;
    } else if (level === '{id}') ids++;
    else if (level !== '+' && !NAMED.has(level) && /[+#{}]/.test(level)) return `"${text}": level "${level}" mixes a wildcard or {name} with text; use {id}, {metric}, + or # alone in a level`;
  }
  if (ids !== 1) return `"${text}": needs {id} exactly once, the level that names the device`;
  if (levels.filter((l) => l === '{metric}').length > 1) return `"${text}": {metric} may appear once`;
  const fixed = levels.filter((l) => l !== '+' && l !== '#' && !NAMED.has(l));
  if (fixed.length === 0) return `"${text}": needs at least one fixed level`;
  return { text, levels, filter: levels.map((l) => (NAMED.has(l) ? '+' : l)).join('/') };
}

/** The named levels of `topic` when it matches, else null. */
export const matchTopic = (pattern: TopicPattern, topic: string): TopicCaptures | null => matchLevels(pattern, topic.split('/'));

/** matchTopic for a topic already split into levels. */
export function matchLevels(pattern: TopicPattern, levels: readonly string[]): TopicCaptures | null {
  const captures: TopicCaptures = { id: '' };
  const p = pattern.levels;
  for (let i = 0; i < p.length; i++) {
    const want = p[i] as string;
    if (want === '#') return captures;
    const level = levels[i];
    if (level === undefined) return null;
    if (want === '{id}') captures.id = level;
    else if (want === '{metric}') captures.metric = level;
    else if (want !== '+' && want !== level) return null;
  }
  return levels.length === p.length ? captures : null;
}

/** A pattern matching exactly `topic` (a topic name, checked by the caller), for a rule whose device is known. */
export const literalPattern = (topic: string): TopicPattern => ({ text: topic, levels: topic.split('/'), filter: topic });
