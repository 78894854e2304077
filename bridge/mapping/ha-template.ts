/**
 * The few Home Assistant `value_template` forms firmware actually sends, read as data and never
 * evaluated: `{{ value }}`, `{{ value_json.a.b }}`, `{{ value_json['a'] }}`, `{{ value_json.a[0] }}`,
 * each optionally followed by `| float`, `| int` or `| round(n)`. Anything else (Jinja
 * statements, arithmetic, other filters) is refused with the reason, and the entity is skipped.
 */
import { parseJsonPath } from './json-path.js';
import type { ValueFilter, ValueSource } from './rule.js';

const MAX_TEMPLATE = 200;
const ACCESSORS = String.raw`(?:\.[A-Za-z_][\w-]*|\[\d{1,6}\]|\['[^'\\]*'\]|\["[^"\\]*"\])*`;
const TEMPLATE = new RegExp(String.raw`^\{\{\s*(value_json${ACCESSORS}|value)\s*((?:\|\s*[a-z_]+(?:\(\s*\d+\s*\))?\s*)*)\}\}$`);
const FILTER = /^([a-z_]+)(?:\(\s*(\d+)\s*\))?$/;

function filterOf(text: string): ValueFilter | string {
  const m = FILTER.exec(text.trim());
  const name = m?.[1];
  if (name === 'float' && m?.[2] === undefined) return { kind: 'float' };
  if (name === 'int' && m?.[2] === undefined) return { kind: 'int' };
  if (name === 'round' && m?.[2] !== undefined && Number(m[2]) <= 10) return { kind: 'round', digits: Number(m[2]) };
  return `filter "${text.trim().slice(0, 30)}" is not supported (only float, int, round(n))`;
}

/** The value a template reads, or why it is not one of the supported forms. */
export function parseValueTemplate(template: string): ValueSource | string {
  const clipped = template.trim();
  if (clipped.length > MAX_TEMPLATE) return `value_template is longer than ${MAX_TEMPLATE} characters`;
  const m = TEMPLATE.exec(clipped);
  if (!m) return `value_template ${JSON.stringify(clipped.slice(0, 60))} is not supported: only {{ value }} or {{ value_json.path }} with | float, | int or | round(n)`;
  const subject = m[1] as string;
  const rest = subject === 'value' ? '$' : subject.slice('value_json'.length).replace(/^\./, '') || '$';
  const path = parseJsonPath(rest);
  if (typeof path === 'string') return `value_template: ${path}`;
  const filters: ValueFilter[] = [];
  for (const part of (m[2] ?? '').split('|').slice(1)) {
    const filter = filterOf(part);
    if (typeof filter === 'string') return `value_template ${JSON.stringify(clipped.slice(0, 60))}: ${filter}`;
    filters.push(filter);
  }
  return { path, filters };
}
