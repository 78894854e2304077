/**
 * Per-user topic patterns, as in Mosquitto's ACL file (`pattern write tele/%u/#`): MQTT filters
 * in which `%u` stands for the user name and `%c` for the client id. A publish is allowed when
 * its topic matches a publish pattern; a subscription when every topic its filter can match is
 * matched by one subscribe pattern, so `tele/+/SENSOR` is covered by `tele/#` but `#` is not.
 */
import { isValidFilter, topicMatches } from '../protocol/topic-filter.js';

export const MAX_PATTERNS = 32;

export interface TopicPatterns {
  /** Topics the user may publish on, besides what the role allows. */
  publish?: readonly string[];
  /** Filters the user may subscribe within, besides what the role allows. */
  subscribe?: readonly string[];
}

const PLACEHOLDER = /%(.)/g;

/** One line saying why `pattern` is unusable, or null. */
export function patternProblem(pattern: string): string | null {
  for (const [, ch] of pattern.matchAll(PLACEHOLDER)) {
    if (ch !== 'u' && ch !== 'c') return `pattern '${pattern}' has %${ch}; only %u (user name) and %c (client id) are known`;
  }
  if (!isValidFilter(pattern)) return `pattern '${pattern}' is not an MQTT filter (1-256 characters, + and # alone in their level, # last)`;
  return null;
}

/** One line saying why a list of patterns is unusable, or null. */
export function patternsProblem(patterns: readonly string[]): string | null {
  if (patterns.length > MAX_PATTERNS) return `more than ${MAX_PATTERNS} patterns`;
  for (const p of patterns) {
    const problem = patternProblem(p);
    if (problem) return problem;
  }
  return null;
}

/**
 * The pattern with `%u` and `%c` filled in, or null when a value would change its shape: a
 * client id holding `/`, `+` or `#` (or an empty one) must not widen what a pattern allows.
 */
export function expandPattern(pattern: string, user: string, clientId: string): string | null {
  let unsafe = false;
  const expanded = pattern.replace(PLACEHOLDER, (_all, ch: string) => {
    const value = ch === 'u' ? user : clientId;
    if (value === '' || /[/+#]/.test(value)) unsafe = true;
    return value;
  });
  return unsafe ? null : expanded;
}

/** True when every topic `filter` matches is also matched by `pattern` (both valid filters). */
export function filterCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < p.length; i++) {
    const level = p[i];
    if (level === '#') return !(i === 0 && f[0]?.startsWith('$')); // [MQTT-4.7.2-1]
    const want = f[i];
    if (want === undefined) return false;
    if (want === '#') return false;
    if (level === '+') {
      if (i === 0 && want.startsWith('$')) return false;
      continue;
    }
    if (want === '+' || level !== want) return false;
  }
  return f.length === p.length;
}

/** True when some publish pattern, expanded for this user and client, matches `topic`. */
export function patternsAllowPublish(patterns: readonly string[] | undefined, user: string, clientId: string, topic: string): boolean {
  return (patterns ?? []).some((p) => {
    const filter = expandPattern(p, user, clientId);
    return filter !== null && topicMatches(filter, topic);
  });
}

/** True when some subscribe pattern, expanded for this user and client, covers `filter`. */
export function patternsAllowSubscribe(patterns: readonly string[] | undefined, user: string, clientId: string, filter: string): boolean {
  return (patterns ?? []).some((p) => {
    const allowed = expandPattern(p, user, clientId);
    return allowed !== null && filterCovers(allowed, filter);
  });
}
