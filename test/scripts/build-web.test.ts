/**
 * scripts/build-web.mjs into a folder of its own (`--out`): bundles named by content hash, the
 * pages naming exactly those, and nothing of an earlier build left in the folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll, tempDir } from '../support/hub.js';

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL('../../scripts/build-web.mjs', import.meta.url));
const HASHED = /^(app|lab|uPlot\.min)\.[A-Z2-7]{8}\.(js|css)$/;

afterAll(stopAll);

describe('the dashboard build', () => {
  it('names bundles by hash, points the pages at them and leaves no older build behind', async () => {
    const out = join(tempDir('fleetwire-web-'), 'web');
    // What an earlier build with other sources would have left: other hashed names.
    mkdirSync(out);
    for (const stale of ['app.AAAAAAAA.js', 'app.AAAAAAAA.js.br', 'lab.BBBBBBBB.css', 'app.js']) writeFileSync(join(out, stale), 'stale');

    await run(process.execPath, [BUILD, '--out', out], { maxBuffer: 1 << 20 });

    const files = readdirSync(out);
    expect(files.filter((f) => f.includes('AAAAAAAA') || f.includes('BBBBBBBB') || f === 'app.js')).toEqual([]);
    const bundles = files.filter((f) => HASHED.test(f)).sort();
    expect(bundles.map((f) => f.replace(/\.[A-Z2-7]{8}\./, '.')).sort()).toEqual(['app.css', 'app.js', 'lab.css', 'lab.js', 'uPlot.min.css']);
    for (const bundle of bundles) for (const copy of ['.map', '.br', '.gz']) expect(files, bundle + copy).toContain(bundle + copy);

    for (const [page, entry] of [['index.html', 'app'], ['lab.html', 'lab']] as const) {
      const html = readFileSync(join(out, page), 'utf8');
      const named = [...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1] as string);
      for (const name of named) expect(existsSync(join(out, name)), `${page} names ${name}`).toBe(true);
      expect(named.filter((n) => HASHED.test(n)).sort()).toEqual(bundles.filter((b) => b.startsWith(`${entry}.`) || b.startsWith('uPlot.min.')));
    }
  }, 180_000);
});
