/**
 * `GET /openapi.json`: docs/openapi.yaml, the description of every route the hub serves, as
 * JSON. It is parsed once at start-up, so a broken file stops the hub there and not on a request;
 * test/server/openapi.test.ts keeps it true to the route table.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { packageRoot } from './package-info.js';

export const API_DESCRIPTION_PATH = '/openapi.json';

/** docs/openapi.yaml of this package (the npm package and the container image both ship docs/). */
export const defaultApiDescriptionFile = (): string => join(packageRoot(), 'docs', 'openapi.yaml');

/** What each file parsed to, with the file's mtime then: parsing the 50 KB file takes ~0.3 s, paid once per process (a test run starts hundreds of hubs). */
const parsed = new Map<string, { mtimeMs: number; description: unknown }>();

export function apiDescriptionRoutes(file: string = defaultApiDescriptionFile()): Route[] {
  let description: unknown;
  try {
    const { mtimeMs } = statSync(file);
    const known = parsed.get(file);
    if (known?.mtimeMs === mtimeMs) description = known.description;
    else {
      description = parse(readFileSync(file, 'utf8'));
      parsed.set(file, { mtimeMs, description });
    }
  } catch (err) {
    throw new Error(`the API description ${file} cannot be read as YAML: ${(err as Error).message}`);
  }
  return [{ method: 'GET', path: API_DESCRIPTION_PATH, handler: (_req, res) => sendJson(res, 200, description) }];
}
