/**
 * `npm run bench -- <name> [args]`: runs one benchmark (or all of them) and prints figures a
 * person can compare. Each benchmark lives in its own file and exports `run(args)`.
 */
const BENCHES = ['broker', 'logins', 'fleet', 'history', 'bridge', 'dashboard', 'cluster', 'slow-consumers', 'export'] as const;
type BenchName = (typeof BENCHES)[number];

function isBench(name: string): name is BenchName {
  return (BENCHES as readonly string[]).includes(name);
}

async function runOne(name: BenchName, args: string[]): Promise<void> {
  const mod = (await import(`./${name}.js`)) as { run: (args: string[]) => Promise<void> };
  console.log(`\n=== bench: ${name} ===`);
  await mod.run(args);
}

const [name = '', ...args] = process.argv.slice(2);
if (name === 'all') {
  for (const bench of BENCHES) await runOne(bench, args);
} else if (isBench(name)) {
  await runOne(name, args);
} else {
  console.error(`usage: npm run bench -- <${BENCHES.join('|')}|all> [options]`);
  process.exit(2);
}
