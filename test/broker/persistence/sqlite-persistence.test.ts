/**
 * Runs the abstract suite aedes-persistence ships against the SQLite persistence. The suite is
 * written for node:test (`t.plan`, `t.assert.*`, `t.diagnostic`); the adapter below gives each
 * of its tests a vitest test with the same contract: node:assert's (loose) methods, and a
 * failure when the number of assertions differs from the plan.
 */
import assert from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlitePersistence } from '../../../broker/persistence/sqlite-persistence.js';
import { openDatabase } from '../../../storage/database.js';

type NodeTestFn = (t: NodeTestContext) => Promise<void> | void;

interface NodeTestContext {
  plan(count: number): void;
  diagnostic(message: string): void;
  assert: Record<string, (...args: unknown[]) => unknown>;
}

// The suite of the aedes-persistence that Aedes itself depends on (2.0.0-beta.1 pins 10.x),
// which is the contract Aedes calls the persistence with.
const require = createRequire(createRequire(import.meta.url).resolve('aedes'));
const abstractPath = require.resolve('aedes-persistence/abstract.js');
const abstractSuite = require(abstractPath) as (opts: { test: (name: string, fn: NodeTestFn) => void; persistence: () => unknown; testAsync: boolean }) => void;

/** node:test's TestContext.assert copies these from node:assert. */
const ASSERTIONS = ['ok', 'equal', 'notEqual', 'deepEqual', 'notDeepEqual', 'strictEqual', 'notStrictEqual', 'deepStrictEqual', 'notDeepStrictEqual', 'throws', 'doesNotThrow', 'rejects', 'doesNotReject', 'match', 'doesNotMatch', 'fail', 'ifError'] as const;

function context(): { t: NodeTestContext; counted: () => number; planned: () => number | undefined } {
  let count = 0;
  let plan: number | undefined;
  const methods: NodeTestContext['assert'] = {};
  for (const name of ASSERTIONS) {
    const fn = (assert as unknown as Record<string, (...args: unknown[]) => unknown>)[name] as (...args: unknown[]) => unknown;
    methods[name] = (...args: unknown[]) => {
      count++;
      return fn(...args);
    };
  }
  const t: NodeTestContext = { plan: (n) => (plan = n), diagnostic: () => undefined, assert: methods };
  return { t, counted: () => count, planned: () => plan };
}

const registered: string[] = [];

function nodeTest(name: string, fn: NodeTestFn): void {
  registered.push(name);
  it(name, async () => {
    const { t, counted, planned } = context();
    await fn(t);
    const plan = planned();
    if (plan !== undefined) expect(counted(), `assertions run (t.plan(${plan}))`).toBe(plan);
  });
}

const dbs: ReturnType<typeof openDatabase>[] = [];

describe('SqlitePersistence passes the aedes-persistence abstract suite', () => {
  abstractSuite({
    test: nodeTest,
    persistence: () => {
      const db = openDatabase(':memory:');
      dbs.push(db);
      return new SqlitePersistence(db, { maxQueuedMessages: 0 });
    },
    testAsync: true,
  });

  it('registered every test the suite defines', () => {
    const defined = readFileSync(abstractPath, 'utf8').match(/^\s+test\('/gm) ?? [];
    expect(defined.length).toBeGreaterThan(40);
    expect(registered.length).toBe(defined.length);
  });

  afterAll(() => {
    for (const db of dbs) db.close();
  });
});
