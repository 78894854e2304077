/** `fleetwire start --redis` / FLEETWIRE_REDIS: a bad URL stops start-up with one clear line naming the option. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('the --redis option', () => {
  it.each([
    ['a flag with another scheme', ['--redis', 'http://127.0.0.1:6379'], {}],
    ['a flag that is not a URL', ['--redis', 'localhost'], {}],
    ['the environment variable', [], { FLEETWIRE_REDIS: 'memcached://127.0.0.1' }],
  ])('refuses %s', async (_name, flags, env) => {
    const run = await runCli(['start', '--mqtt-port', '0', '--http-port', '0', '--db', ':memory:', ...flags], env);
    expect(run.code).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--redis/);
    expect(lines[0]).toMatch(/redis:\/\/ or rediss:\/\//);
  });
});
