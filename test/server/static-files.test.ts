/** The dashboard's files: brotli/gzip copies from the build, ETags and 304s, hashed names cached for a year, Allow on 405. */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestHub, startHub, stopAll } from '../support/hub.js';

const WEB = fileURLToPath(new URL('../../dist/web', import.meta.url));
let hub: TestHub;
/** The hashed bundles index.html names, e.g. `/app.UA6EL4CT.js`. */
let script: string;
let styles: string[];

beforeAll(async () => {
  hub = await startHub();
  const page = await (await fetch(`${hub.httpUrl}/`)).text();
  script = /<script type="module" src="([^"]+)"/.exec(page)?.[1] ?? 'no script in index.html';
  styles = [...page.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1] as string);
});
afterAll(stopAll);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: no client-side decompression, so what the server sent is what is seen. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${hub.httpUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard files', () => {
  const original = (): Buffer => readFileSync(join(WEB, script));

  it.each([
    ['br', 'br', brotliDecompressSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    ['br;q=0, gzip;q=0.5', 'gzip', gunzipSync],
    ['*', 'br', brotliDecompressSync],
  ])('Accept-Encoding %j gets %s, which decodes to the file', async (accept, coding, decode) => {
    const res = await get(script, { 'accept-encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(coding);
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.body.length).toBeLessThan(original().length);
    expect(decode(res.body).equals(original())).toBe(true);
  });

  it.each([[''], ['identity'], ['br;q=0, gzip;q=0']])('Accept-Encoding %j gets the file as is', async (accept) => {
    const res = await get(script, accept ? { 'accept-encoding': accept } : {});
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(original())).toBe(true);
  });

  it('answers a revalidation with 304 and no body; each coding has its own ETag', async () => {
    const plain = await get(script);
    const br = await get(script, { 'accept-encoding': 'br' });
    const plainTag = String(plain.headers.etag);
    expect(plainTag).toMatch(/^"[\w-]+"$/);
    expect(String(br.headers.etag)).not.toBe(plainTag);

    const again = await get(script, { 'if-none-match': plainTag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(plainTag);
    expect((await get(script, { 'if-none-match': `W/${plainTag}` })).status).toBe(304);
    expect((await get(script, { 'if-none-match': '"something-else"' })).status).toBe(200);
    // The plain ETag does not validate the brotli copy.
    expect((await get(script, { 'if-none-match': plainTag, 'accept-encoding': 'br' })).status).toBe(200);
    const page = await get('/', { 'if-none-match': String((await get('/')).headers.etag) });
    expect(page.status).toBe(304);
  });

  it('HEAD sends the headers without the body', async () => {
    const res = await get(script, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.body.length).toBe(0);
  });

  it('a method a path does not serve gets 405 with Allow', async () => {
    const res = await get(script, {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect((await get('/healthz', {}, 'DELETE')).headers.allow).toBe('GET, HEAD');
  });
});

describe('hashed names and caching', () => {
  const HASHED = /^\/[\w.]+\.[A-Z2-7]{8}\.(js|css)$/;
  const YEAR = 'public, max-age=31536000, immutable';

  it('the page names its script and styles by content hash, and those are cached for a year', async () => {
    expect(script).toMatch(HASHED);
    expect(styles.length).toBeGreaterThanOrEqual(2);
    for (const path of [script, ...styles, `${script}.map`]) {
      expect(path === `${script}.map` || HASHED.test(path), path).toBe(true);
      for (const accept of ['', 'br', 'gzip']) {
        const res = await get(path, accept ? { 'accept-encoding': accept } : {});
        expect(res.status, `${path} ${accept}`).toBe(200);
        expect(res.headers['cache-control'], path).toBe(YEAR);
        expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
      }
    }
    // The content is what the name's hash says: the same file on disk.
    expect((await get(script)).body.equals(readFileSync(join(WEB, script)))).toBe(true);
  });

  it('pages and unhashed files are no-cache, revalidated by ETag', async () => {
    for (const path of ['/', '/index.html', '/lab', '/lab.html', '/favicon.svg']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['cache-control'], path).toBe('no-cache');
      const again = await get(path, { 'if-none-match': String(res.headers.etag) });
      expect(again.status, path).toBe(304);
      expect(again.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('the unhashed bundle names are not served', async () => {
    for (const path of ['/app.js', '/app.css', '/lab.js', '/uPlot.min.css']) expect((await get(path)).status, path).toBe(404);
  });

  it('the licence notices a bundle links to are served as text', async () => {
    const lab = await (await fetch(`${hub.httpUrl}/lab`)).text();
    const bundle = /<script type="module" src="([^"]+)"/.exec(lab)?.[1] ?? 'no script in lab.html';
    const notice = /see (\S+\.LEGAL\.txt)/.exec((await get(bundle)).body.toString())?.[1];
    expect(notice, 'the lab bundle links its legal comments').toBeDefined();
    const answer = await get(`/${notice}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});
