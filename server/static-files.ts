/**
 * Serves the built dashboard (dist/web). The file list is read once at start-up, so a request
 * path can only ever name a file that was there: no path traversal, no stat per request.
 * Each file goes out as the build's brotli or gzip copy when the client takes it, with an ETag
 * per representation so a revalidation costs a 304 (RFC 9110 §8.8.3, §13.1.2).
 *
 * A file whose name carries its content hash (scripts/build-web.mjs names every bundle so) never
 * changes under that name: browsers may keep it a year without asking (RFC 8246 `immutable`).
 * Everything else, the pages that name the bundles first of all, is revalidated on every use.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../http/respond.js';
import type { Route } from '../http/router.js';

/** No inline script anywhere on the dashboard: a device string can never become code. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // esbuild's linked legal comments: the bundles name these notices, so they are served.
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

type Coding = 'br' | 'gzip' | 'identity';

/** `app.3F2A1C9B.js`, `app.3F2A1C9B.js.map`: esbuild's `[name].[hash]`, 8 base32 characters. */
const HASHED_NAME = /\.[A-Z2-7]{8}\.[a-z]+(\.map)?$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Stored, but used only after the ETag is checked again (RFC 9111 §5.2.2.4). */
const REVALIDATE = 'no-cache';

const cacheControlOf = (path: string): string => (HASHED_NAME.test(path.slice(path.lastIndexOf('/') + 1)) ? IMMUTABLE : REVALIDATE);

interface Representation {
  body: Buffer;
  etag: string;
}

interface Asset {
  type: string;
  cacheControl: string;
  /** identity always; br and gzip when the build wrote `<file>.br` / `<file>.gz`. */
  codings: Partial<Record<Coding, Representation>> & { identity: Representation };
}

/** Brotli first, then gzip; the suffix keeps each coding's ETag distinct. */
const PREFERENCE: readonly Coding[] = ['br', 'gzip'];
const SUFFIX: Record<Coding, string> = { br: '.br', gzip: '.gz', identity: '' };

function representation(body: Buffer, coding: Coding, hash: string): Representation {
  return { body, etag: `"${hash}${coding === 'identity' ? '' : `-${coding}`}"` };
}

function loadAsset(file: string, type: string, cacheControl: string): Asset {
  const body = readFileSync(file);
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  const codings: Asset['codings'] = { identity: representation(body, 'identity', hash) };
  for (const coding of PREFERENCE) {
    if (existsSync(file + SUFFIX[coding])) codings[coding] = representation(readFileSync(file + SUFFIX[coding]), coding, hash);
  }
  return { type, cacheControl, codings };
}

/** The codings the client accepts, from Accept-Encoding (RFC 9110 §12.5.3); q=0 refuses one. */
function accepted(header: string | undefined): Set<string> {
  const codings = new Set<string>();
  for (const item of (header ?? '').split(',')) {
    const [name = '', ...params] = item.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name && (q === undefined || Number(q) > 0)) codings.add(name);
  }
  return codings;
}

function choose(asset: Asset, acceptEncoding: string | undefined): [Coding, Representation] {
  const ok = accepted(acceptEncoding);
  for (const coding of PREFERENCE) {
    const rep = asset.codings[coding];
    if (rep && (ok.has(coding) || ok.has('*'))) return [coding, rep];
  }
  return ['identity', asset.codings.identity];
}

/** If-None-Match holds this ETag, or `*` (weak comparison, RFC 9110 §13.1.2). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/** Page paths that are not file names. */
const PAGES: Record<string, string> = { '/': '/index.html', '/lab': '/lab.html' };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

/** Loads every file under `root` (the dashboard is small); an unbuilt dashboard serves a 503 that says so. */
export function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let exists = false;
  try {
    exists = statSync(root).isDirectory();
  } catch {
    exists = false;
  }
  if (!exists) return assets;
  for (const file of listFiles(root)) {
    const type = TYPES[extname(file)];
    const path = `/${relative(root, file).split(sep).join('/')}`;
    if (type) assets.set(path, loadAsset(file, type, cacheControlOf(path)));
  }
  return assets;
}

function serve(assets: Map<string, Asset>, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const asset = assets.get(PAGES[url.pathname] ?? url.pathname);
  if (!asset) {
    if (assets.size === 0) sendError(res, 'not_ready', 'the dashboard is not built: run `npm run build`');
    else sendError(res, 'not_found', `no such page: ${url.pathname}`);
    return;
  }
  const [coding, rep] = choose(asset, req.headers['accept-encoding']);
  const headers: Record<string, string | number> = {
    etag: rep.etag,
    vary: 'Accept-Encoding',
    'cache-control': asset.cacheControl,
    'content-security-policy': DASHBOARD_CSP,
  };
  if (notModified(req.headers['if-none-match'], rep.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': asset.type,
    'content-length': rep.body.length,
    ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
  });
  res.end(req.method === 'HEAD' ? undefined : rep.body);
}

/** GET routes for the pages and for every file of the built dashboard. */
export function staticRoutes(root: string): Route[] {
  const assets = loadAssets(root);
  const handler: Route['handler'] = (req, res, _params, url) => serve(assets, req, res, url);
  const paths = new Set([...Object.keys(PAGES), ...assets.keys()]);
  return [...paths].map((path) => ({ method: 'GET', path, handler }));
}
