/**
 * Starts a worker thread on one of fleetwire's own modules, named by its compiled URL
 * (`new URL('./x.js', import.meta.url)`). Run from the TypeScript sources (tests, benchmarks,
 * `tsx`), the module is the `.ts` beside that URL, loaded through tsx's ESM hooks registered
 * inside the worker: a worker does not inherit the hooks of the thread that starts it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this module itself runs from its `.ts` source. */
const fromSource = import.meta.url.endsWith('.ts');

export function startWorker(compiled: URL, options: WorkerOptions = {}): Worker {
  if (!fromSource) return new Worker(compiled, options);
  const source = pathToFileURL(fileURLToPath(compiled).replace(/\.js$/, '.ts')).href;
  // tsx's exports map gives the CommonJS build to require.resolve; its ESM build sits beside it.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
