/**
 * Builds the dashboard into dist/web: the TypeScript entries and stylesheets bundled by
 * esbuild (protocol/, uPlot, mqtt.js, @stomp/stompjs and sockjs-client included, so the page
 * needs no CDN), web/public
 * copied as is, and uPlot's stylesheet beside them. The hub serves this folder.
 *
 * The output is written to a fresh folder and swapped in with renames, so a hub starting at
 * the same moment reads either the old build or the new one, never half of one.
 */
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { pid, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const staging = `${out}.staging-${pid}`;
const retired = `${out}.old-${pid}`;

const started = Date.now();
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [
    { in: 'web/src/app.ts', out: 'app' },
    { in: 'web/src/lab/lab-main.ts', out: 'lab' },
    { in: 'web/src/styles/app.css', out: 'app' },
    { in: 'web/src/styles/lab.css', out: 'lab' },
  ],
  outdir: staging,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  // sockjs-client is written for browserify: it reads `global` and gates its debug logging on NODE_ENV.
  define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

cpSync(join(root, 'web', 'public'), staging, { recursive: true });
cpSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), join(staging, 'uPlot.min.css'));

// Precompressed beside each text file, so the hub serves gzip and brotli without compressing per request.
for (const entry of readdirSync(staging, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(js|css|html|svg|map|json|txt|webmanifest)$/.test(entry.name)) continue;
  const file = join(entry.parentPath, entry.name);
  const body = readFileSync(file);
  const br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  const gz = gzipSync(body, { level: 9 });
  if (br.length < body.length) writeFileSync(`${file}.br`, br);
  if (gz.length < body.length) writeFileSync(`${file}.gz`, gz);
}

if (existsSync(out)) renameSync(out, retired);
renameSync(staging, out);
rmSync(retired, { recursive: true, force: true });

const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => /\.(js|css)$/.test(file))
  .map(([file, o]) => `${file.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KiB`);
stdout.write(`dist/web built in ${Date.now() - started} ms: ${bytes.join(', ')}\n`);
