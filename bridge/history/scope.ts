/**
 * The scope of a topic in the message log: the device level of a `devices/` topic. A resume
 * whose filters all name one or a few devices reads only those scopes through an index.
 */
import { DEVICES_PREFIX, DEVICES_ROOT } from '../../protocol/names.js';

/** `devices/d1/telemetry` and `devices/d1` → `d1`; topics outside `devices/` → null. */
export function topicScope(topic: string): string | null {
  if (!topic.startsWith(DEVICES_PREFIX)) return null;
  const end = topic.indexOf('/', DEVICES_PREFIX.length);
  const scope = end === -1 ? topic.slice(DEVICES_PREFIX.length) : topic.slice(DEVICES_PREFIX.length, end);
  return scope.length > 0 ? scope : null;
}

/**
 * The scopes that hold every topic the filters can match, or null when a filter can match
 * outside a named device (`#`, `devices/+/...`, `other/topic`), which needs a full scan.
 */
export function filterScopes(filters: readonly string[]): string[] | null {
  const scopes = new Set<string>();
  for (const filter of filters) {
    const levels = filter.split('/');
    const scope = levels[1];
    if (levels[0] !== DEVICES_ROOT || scope === undefined || scope === '' || scope === '+' || scope === '#') return null;
    scopes.add(scope);
  }
  return scopes.size > 0 ? [...scopes] : null;
}
