/** MQTT topic filters as browsers give them ([MQTT-4.7]). */

export const MAX_FILTER_LENGTH = 256;
export const MAX_FILTERS = 32;

/** True when `filter` is a well-formed MQTT filter: `#` only last and alone, `+` alone in its level. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > MAX_FILTER_LENGTH || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1; // [MQTT-4.7.1-2]
    if (level.includes('+')) return level === '+'; // [MQTT-4.7.1-3]
    return true;
  });
}

/** True when `topic` matches `filter`. Wildcards at the first level skip `$` topics [MQTT-4.7.2-1]. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true; // also matches the parent level [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export function matchesAny(filters: readonly string[], topic: string): boolean {
  return filters.some((f) => topicMatches(f, topic));
}
