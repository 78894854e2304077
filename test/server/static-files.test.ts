/** The dashboard's files: brotli/gzip copies from the build, ETags and 304s, Allow on 405. */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestHub, startHub, stopAll } from '../support/hub.js';

const WEB = fileURLToPath(new URL('../../dist/web', import.meta.url));
let hub: TestHub;

beforeAll(async () => {
  hub = await startHub();
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
  const original = (): Buffer => readFileSync(join(WEB, 'app.js'));

  it.each([
    ['br', 'br', brotliDecompressSync],
    ['gzip, deflate, br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    ['br;q=0, gzip;q=0.5', 'gzip', gunzipSync],
    ['*', 'br', brotliDecompressSync],
  ])('Accept-Encoding %j gets %s, which decodes to the file', async (accept, coding, decode) => {
    const res = await get('/app.js', { 'accept-encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(coding);
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.body.length).toBeLessThan(original().length);
    expect(decode(res.body).equals(original())).toBe(true);
  });

  it.each([[''], ['identity'], ['br;q=0, gzip;q=0']])('Accept-Encoding %j gets the file as is', async (accept) => {
    const res = await get('/app.js', accept ? { 'accept-encoding': accept } : {});
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(original())).toBe(true);
  });

  it('answers a revalidation with 304 and no body; each coding has its own ETag', async () => {
    const plain = await get('/app.js');
    const br = await get('/app.js', { 'accept-encoding': 'br' });
    const plainTag = String(plain.headers.etag);
    expect(plainTag).toMatch(/^"[\w-]+"$/);
    expect(String(br.headers.etag)).not.toBe(plainTag);

    const again = await get('/app.js', { 'if-none-match': plainTag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(plainTag);
    expect((await get('/app.js', { 'if-none-match': `W/${plainTag}` })).status).toBe(304);
    expect((await get('/app.js', { 'if-none-match': '"something-else"' })).status).toBe(200);
    // The plain ETag does not validate the brotli copy.
    expect((await get('/app.js', { 'if-none-match': plainTag, 'accept-encoding': 'br' })).status).toBe(200);
    const page = await get('/', { 'if-none-match': String((await get('/')).headers.etag) });
    expect(page.status).toBe(304);
  });

  it('HEAD sends the headers without the body', async () => {
    const res = await get('/app.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.body.length).toBe(0);
  });

  it('a method a path does not serve gets 405 with Allow', async () => {
    const res = await get('/app.js', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect((await get('/healthz', {}, 'DELETE')).headers.allow).toBe('GET, HEAD');
  });
});
