/**
 * Builds the dashboard into dist/web (or `--out <dir>`): the TypeScript entries and stylesheets,
 * uPlot's included, bundled by esbuild (protocol/, uPlot, mqtt.js, @stomp/stompjs and
 * sockjs-client included, so the page needs no CDN), and web/public copied as is. The hub
 * serves this folder.
 *
 * Bundles get their content hash in their names (`app.3F2A1C9B.js`) and the pages are rewritten
 * to name them, so the hub can let browsers cache a bundle for a year (server/static-files.ts):
 * a new build is new names, and the pages themselves are always revalidated.
 *
 * The output is written to a fresh folder and swapped in with renames, so a hub starting at
 * the same moment reads either the old build or the new one, never half of one; nothing of an
 * older build (its hashed names) is left behind.
 */
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { dirname, join, relative, resolve } from 'node:path';
import { argv, pid, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({ args: argv.slice(2), options: { out: { type: 'string' } } });
const out = options.out ? resolve(options.out) : join(root, 'dist', 'web');
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
    { in: 'node_modules/uplot/dist/uPlot.min.css', out: 'uPlot.min' },
  ],
  outdir: staging,
  // The hash pattern server/static-files.ts knows: `.` then esbuild's 8 base32 characters.
  entryNames: '[name].[hash]',
  assetNames: '[name].[hash]',
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
rewritePages(bundleNames(result.metafile));

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

mkdirSync(dirname(out), { recursive: true });
if (existsSync(out)) renameSync(out, retired);
renameSync(staging, out);
rmSync(retired, { recursive: true, force: true });

const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => /\.(js|css)$/.test(file))
  .map(([file, o]) => `${file.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KiB`);
stdout.write(`dist/web built in ${Date.now() - started} ms: ${bytes.join(', ')}\n`);

/** Each entry's plain URL (`/app.js`) → its hashed one (`/app.3F2A1C9B.js`), from esbuild's metafile. */
function bundleNames(metafile) {
  const names = new Map();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    const hashed = `/${relative(staging, join(root, file)).split('\\').join('/')}`;
    names.set(hashed.replace(/\.[A-Z2-7]{8}(\.\w+)$/, '$1'), hashed);
  }
  return names;
}

/**
 * Points the pages at the hashed bundles. A page naming a file the build did not make fails the
 * build: shipping it would be a page without its script or styles.
 */
function rewritePages(names) {
  for (const page of readdirSync(staging).filter((name) => name.endsWith('.html'))) {
    const file = join(staging, page);
    const html = readFileSync(file, 'utf8').replace(/(src|href)="(\/[^"]*)"/g, (attr, name, url) => {
      const target = names.get(url) ?? url;
      if (!existsSync(join(staging, target))) throw new Error(`web/public/${page} names ${url}, which the build does not make`);
      return `${name}="${target}"`;
    });
    writeFileSync(file, html);
  }
}
