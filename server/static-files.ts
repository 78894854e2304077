/**
 * Serves the built dashboard (dist/web). The file list is read once at start-up, so a request
 * path can only ever name a file that was there: no path traversal, no stat per request.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
  '.webmanifest': 'application/manifest+json',
};

interface Asset {
  body: Buffer;
  type: string;
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
    if (type) assets.set(`/${relative(root, file).split(sep).join('/')}`, { body: readFileSync(file), type });
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
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    'content-security-policy': DASHBOARD_CSP,
    'cache-control': asset.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

/** GET routes for the pages and for every file of the built dashboard. */
export function staticRoutes(root: string): Route[] {
  const assets = loadAssets(root);
  const handler: Route['handler'] = (req, res, _params, url) => serve(assets, req, res, url);
  const paths = new Set([...Object.keys(PAGES), ...assets.keys()]);
  return [...paths].map((path) => ({ method: 'GET', path, handler }));
}
