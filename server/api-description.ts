/**
 * `GET /openapi.json`: docs/openapi.yaml, the description of every route the hub serves, as
 * JSON. It is parsed once at start-up, so a broken file stops the hub there and not on a request;
 * test/server/openapi.test.ts keeps it true to the route table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { packageRoot } from './package-info.js';

export const API_DESCRIPTION_PATH = '/openapi.json';

/** docs/openapi.yaml of this package (the npm package and the container image both ship docs/). */
export const defaultApiDescriptionFile = (): string => join(packageRoot(), 'docs', 'openapi.yaml');

export function apiDescriptionRoutes(file: string = defaultApiDescriptionFile()): Route[] {
  let description: unknown;
  try {
    description = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`the API description ${file} cannot be read as YAML: ${(err as Error).message}`);
  }
  return [{ method: 'GET', path: API_DESCRIPTION_PATH, handler: (_req, res) => sendJson(res, 200, description) }];
}
