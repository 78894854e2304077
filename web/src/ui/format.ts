/** How numbers, times and sizes read on the page. Pure, unit-tested in Node. */

const UNITS: Record<string, string> = {
  temperature: '°C',
  voltage: 'V',
  current: 'A',
  power: 'W',
  energy: 'Wh',
  humidity: '%',
  pressure: 'hPa',
  rssi: 'dBm',
  battery: '%',
};

export const unitOf = (metric: string): string => UNITS[metric] ?? (metric.endsWith('_ma') ? 'mA' : '');

/** Metrics people look for first; the rest follow by name. */
const FIRST = ['temperature', 'voltage', 'current', 'power', 'humidity'];

export function compareMetrics(a: string, b: string): number {
  const ia = FIRST.indexOf(a);
  const ib = FIRST.indexOf(b);
  if (ia !== ib) return (ia === -1 ? FIRST.length : ia) - (ib === -1 ? FIRST.length : ib);
  return a.localeCompare(b);
}

/** `ports_used` → `Ports used`, `led_ma` → `LED current`; metric names are lower-case identifiers. */
export function metricLabel(metric: string): string {
  const words = metric.replace(/_ma$/, ' current').replace(/_/g, ' ').replace(/^led\b/, 'LED');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A reading with its unit, at a precision that suits its size. */
export function formatReading(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const abs = Math.abs(value);
  const unit = unitOf(metric);
  // Whole counts (ports used) and exact zeros read best without decimals; measurements keep theirs.
  const digits = value === 0 || (unit === '' && Number.isInteger(value)) || abs >= 1000 ? 0 : abs >= 1 ? 1 : 3;
  return `${value.toFixed(digits)}${unit ? `\u202f${unit}` : ''}`;
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (ms <= 0) return 'never';
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const formatTime = (ms: number): string => timeFmt.format(ms);
export const formatDateTime = (ms: number): string => dateTimeFmt.format(ms);

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const intFmt = new Intl.NumberFormat();
export const formatCount = (n: number): string => intFmt.format(n);

/** Latency in ms with sensible precision; '—' when there is no sample. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
