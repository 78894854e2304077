/** Durations as people write them: `500ms`, `10s`, `5m`, `2h`, `7d`, or a bare number of ms. */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The duration in whole ms, or null when the text is not one. */
export function durationMs(text: string): number | null {
  const m = /^(\d{1,12}(?:\.\d{1,6})?)(ms|s|m|h|d)?$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1)) : null;
}
