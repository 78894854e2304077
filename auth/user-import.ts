/**
 * The files `fleetwire users import` reads: many users at once, with their passwords.
 * - JSON: a list (or `{"users":[...]}`) of `{"name","role","password","publish"?:[…],"subscribe"?:[…]}`.
 * - CSV (RFC 4180: quoted fields, `""` for a quote, CRLF or LF): a header row naming the columns
 *   `name`, `role`, `password` and optionally `publish`, `subscribe`; several patterns in one
 *   cell are separated by spaces.
 * Every problem names the entry (JSON index or CSV line), so a file of thousands can be fixed.
 */
import { type NewUser, ROLES, isObject, isRole, newUserProblem, parsePatterns } from './users-file.js';

/** Rows of fields; throws on an unterminated quote. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rows.push([...row, field]);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function entryOf(raw: Record<string, unknown>, where: string): NewUser {
  const { name, role, password } = raw;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: no name`);
  if (typeof role !== 'string' || !isRole(role)) throw new Error(`${where}: role ${JSON.stringify(role)} is not one of ${ROLES.join(', ')}`);
  if (typeof password !== 'string') throw new Error(`${where}: no password`);
  const user: NewUser = { name, role, password, ...parsePatterns(raw, where) };
  const problem = newUserProblem(user);
  if (problem) throw new Error(`${where}: ${problem}`);
  return user;
}

function fromJson(doc: unknown): NewUser[] {
  const list = isObject(doc) ? doc.users : doc;
  if (!Array.isArray(list)) throw new Error('expected a JSON list of users, or {"users":[...]}');
  return list.map((raw, i) => {
    if (!isObject(raw)) throw new Error(`users[${i}] is not an object`);
    return entryOf(raw, `users[${i}] ('${String(raw.name)}')`);
  });
}

const CSV_COLUMNS = ['name', 'role', 'password', 'publish', 'subscribe'];

function fromCsv(text: string): NewUser[] {
  const [header, ...rows] = parseCsv(text);
  const columns = (header ?? []).map((c) => c.trim().toLowerCase());
  for (const need of ['name', 'role', 'password']) if (!columns.includes(need)) throw new Error(`the header row needs the columns name, role and password (found: ${columns.join(', ')})`);
  const unknown = columns.find((c) => !CSV_COLUMNS.includes(c));
  if (unknown !== undefined) throw new Error(`unknown column '${unknown}'; the columns are ${CSV_COLUMNS.join(', ')}`);
  return rows.flatMap((fields, i) => {
    if (fields.length === 1 && fields[0]?.trim() === '') return [];
    const where = `line ${i + 2}`;
    if (fields.length !== columns.length) throw new Error(`${where}: ${fields.length} fields, the header has ${columns.length}`);
    const raw: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      const value = fields[j] ?? '';
      if (c === 'publish' || c === 'subscribe') raw[c] = value.split(' ').filter(Boolean);
      else raw[c] = c === 'password' ? value : value.trim();
    });
    return [entryOf(raw, where)];
  });
}

/** The users in an import file's text; JSON when it starts with `[` or `{`, else CSV. */
export function parseImport(text: string): NewUser[] {
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return fromCsv(body);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  return fromJson(doc);
}
