/**
 * The package as npm ships it: `npm pack` in a clean copy of the repository (its prepack builds),
 * then the tarball installed beside production dependencies only and run through `npx fleetwire`.
 * The registry is never asked: the dependencies are this checkout's own, linked in.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAll, tempDir, waitFor } from '../support/hub.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

afterAll(stopAll);

/** A copy of the tracked files (what a fresh clone holds) with this checkout's node_modules. */
async function cleanCopy(): Promise<string> {
  const copy = join(tempDir('fleetwire-pack-'), 'repo');
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: ROOT });
  for (const file of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** node_modules holding only the production dependency closure, linked from this checkout. */
async function productionModules(app: string): Promise<void> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 8 << 20 });
  const top = new Set(stdout.split('\n').map((line) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(line)?.[1]).filter((name): name is string => name !== undefined));
  for (const name of top) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
  }
}

describe('the packed package', () => {
  it('installs without dev tools: no install-time script needs them', () => {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[script]).toBeUndefined();
  });

  it('holds what runs, and `npx fleetwire` runs from it', async () => {
    const copy = await cleanCopy();
    const out = tempDir('fleetwire-tarball-');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: copy, maxBuffer: 8 << 20 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/server/create-fleetwire.js', 'dist/web/index.html', 'docs/openapi.yaml', 'docs/asyncapi.yaml', 'fleetwire.example.yaml', 'README.md', 'package.json']));
    expect(files.filter((f) => /^dist\/web\/app\.[A-Z2-7]{8}\.js$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^(test|bench|web|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);

    const app = tempDir('fleetwire-app-');
    const installed = join(app, 'node_modules', 'fleetwire');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['xzf', join(out, info.filename), '-C', installed, '--strip-components', '1']);
    await productionModules(app);
    mkdirSync(join(app, 'node_modules', '.bin'));
    // What npm's bin linking does on install: a link in .bin and the target made executable.
    symlinkSync('../fleetwire/dist/cli/main.js', join(app, 'node_modules', '.bin', 'fleetwire'));
    chmodSync(join(installed, 'dist', 'cli', 'main.js'), 0o755);

    const version = await run('npx', ['--offline', '--no-install', 'fleetwire', '--version'], { cwd: app });
    expect(version.stdout).toBe(`${pkg.version}\n`);

    // Started through the bin link itself, so the signal reaches the hub and not npx.
    const child: ChildProcess = spawn(join(app, 'node_modules', '.bin', 'fleetwire'), ['start', '--mqtt-port', '0', '--http-port', '0', '--db', join(app, 'data', 'fleetwire.db')], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      const line = await waitFor(() => stdout.split('\n').find((l) => l.includes('"listening"')), 60_000, 'the listening log line');
      const { http } = JSON.parse(line) as { http: string };
      expect((await fetch(`${http}/healthz`)).status).toBe(200);
      const page = await fetch(`${http}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect(((await (await fetch(`${http}/openapi.json`)).json()) as { openapi: string }).openapi).toMatch(/^3\.1\./);
      expect((await fetch(`${http}/no-such-file.js`)).status).toBe(404);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 240_000);
});
