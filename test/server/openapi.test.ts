/**
 * docs/openapi.yaml is true to the hub: the description served at /openapi.json names every
 * route and WebSocket upgrade path the running hub registered, and nothing it did not. The hub
 * runs with a demo fleet so the fleet's routes are there too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERRORS } from '../../protocol/errors.js';
import { MESSAGE_KINDS } from '../../protocol/message.js';
import { loadAssets } from '../../server/static-files.js';
import { type TestHub, startHub, stopAll } from '../support/hub.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** The path the description gives for every file of the built dashboard (each is its own route). */
const DASHBOARD_FILE = '/{file}';

interface Parameter {
  name?: string;
  in?: string;
  $ref?: string;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  responses: Record<string, unknown>;
  'x-fleetwire-upgrade'?: string;
  'x-fleetwire-files'?: string;
}
interface Description {
  openapi: string;
  paths: Record<string, Record<string, Operation> & { parameters?: Parameter[] }>;
  components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
}

let hub: TestHub;
let served: Description;

beforeAll(async () => {
  hub = await startHub({ fleet: 1, fleetIntervalMs: 60_000 });
  const res = await fetch(`${hub.httpUrl}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  served = (await res.json()) as Description;
});
afterAll(stopAll);

/** [METHOD, path, operation] for every operation (a path item's other members, such as `parameters`, left out). */
const operations = (doc: Description): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((method) => method in item).map((method): [string, string, Operation] => [method.toUpperCase(), path, item[method] as Operation]));

/** What is in `a` and not in `b`, sorted, for a failure message that reads as a list. */
const missing = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x)).sort();

describe('docs/openapi.yaml', () => {
  it('is served at /openapi.json as OpenAPI 3.1, the same as the file', () => {
    expect(served.openapi).toMatch(/^3\.1\./);
    expect(served).toEqual(parse(readFileSync(`${ROOT}/docs/openapi.yaml`, 'utf8')));
  });

  it('describes every route the hub registers, and only those', () => {
    const files = new Set(loadAssets(`${ROOT}/dist/web`).keys());
    expect(files.size, 'dist/web is built (node scripts/build-web.mjs)').toBeGreaterThan(0);
    const registered = new Set(
      hub.endpoints.routes.map(({ method, path }) => {
        if (method === 'GET' && files.has(path)) return `GET ${DASHBOARD_FILE}`;
        return `${method} ${path.replace(/:(\w+)/g, '{$1}')}`;
      }),
    );
    // An operation that only ever answers 101 is an upgrade path alone (next test), not a route.
    const described = new Set(operations(served).filter(([, , op]) => Object.keys(op.responses).some((status) => status.startsWith('2'))).map(([method, path]) => `${method} ${path}`));
    const undescribed = missing(registered, described);
    const unregistered = missing(described, registered);
    expect({ undescribed, unregistered }, `routes the hub serves that docs/openapi.yaml lacks: ${undescribed.join(', ') || 'none'}; described but not served: ${unregistered.join(', ') || 'none'}`).toEqual({ undescribed: [], unregistered: [] });
    expect(operations(served).find(([, path]) => path === DASHBOARD_FILE)?.[2]['x-fleetwire-files']).toBe('dashboard');
    expect([...files].filter((file) => file.indexOf('/', 1) !== -1), 'dashboard files are one path segment, as /{file} describes').toEqual([]);
  });

  it('describes every WebSocket upgrade path, and only those', () => {
    const upgrades = operations(served).filter(([, , op]) => op['x-fleetwire-upgrade'] === 'websocket');
    expect(upgrades.every(([method, , op]) => method === 'GET' && '101' in op.responses)).toBe(true);
    const described = upgrades.map(([, path]) => path);
    // A registered `/prefix/*` takes every path under it.
    const covers = (registered: string, path: string): boolean => (registered.endsWith('/*') ? path.startsWith(registered.slice(0, -1)) : path === registered);
    const undescribed = hub.endpoints.upgrades.filter((registered) => !described.some((path) => covers(registered, path)));
    const unregistered = described.filter((path) => !hub.endpoints.upgrades.some((registered) => covers(registered, path)));
    expect({ undescribed, unregistered }, `upgrades: not described ${undescribed.join(', ') || 'none'}; described but not served ${unregistered.join(', ') || 'none'}`).toEqual({ undescribed: [], unregistered: [] });
  });

  it('is whole: every $ref resolves, operation ids are unique, every path parameter is declared', () => {
    const resolve = (ref: string): unknown => ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], served);
    const refs = [...JSON.stringify(served).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.filter((ref) => !ref.startsWith('#/') || resolve(ref) === undefined)).toEqual([]);

    const ids = operations(served).map(([, , op]) => op.operationId).filter((id) => id !== undefined);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);

    const undeclared: string[] = [];
    for (const [method, path, op] of operations(served)) {
      const declared = [...(served.paths[path]?.parameters ?? []), ...(op.parameters ?? [])]
        .map((p) => (p.$ref ? (resolve(p.$ref) as Parameter) : p))
        .filter((p) => p.in === 'path')
        .map((p) => p.name);
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) if (!declared.includes(name)) undeclared.push(`${method} ${path}: {${name}}`);
    }
    expect(undeclared).toEqual([]);
  });

  it('gives the error codes of protocol/errors.ts and the message kinds of protocol/message.ts', () => {
    const { Error: error, Message: message } = served.components.schemas;
    expect(new Set(error?.properties.code?.enum)).toEqual(new Set(Object.keys(ERRORS)));
    expect(new Set(message?.properties.kind?.enum)).toEqual(new Set(MESSAGE_KINDS));
  });
});
