/**
 * What the page remembers between visits, in localStorage. Storage may be missing or full
 * (private windows, quotas): reads fall back to defaults and writes fail silently.
 */

const PREFIX = 'fleetwire.';

export function loadPref<T>(name: string, check: (x: unknown) => x is T, fallback: T): T {
  try {
    const raw = window.localStorage.getItem(PREFIX + name);
    if (raw === null) return fallback;
    const value = JSON.parse(raw) as unknown;
    return check(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

export function savePref(name: string, value: unknown): void {
  try {
    window.localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // Not remembering a preference is harmless.
  }
}
