import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import { stopAll, tempDir } from '../support/hub.js';

afterAll(stopAll);
// Several CLI runs per test, each a Node start-up: slow on a loaded machine, never a timing assumption.
vi.setConfig({ testTimeout: 120_000 });

const EXAMPLE = fileURLToPath(new URL('../../fleetwire.example.yaml', import.meta.url));

function file(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/** `config check`'s table: option → [value, source]. */
async function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Map<string, [string, string]>> {
  const run = await runCli(['config', 'check', ...args], env);
  expect(run.stderr).toBe('configuration OK\n');
  expect(run.code).toBe(0);
  const rows = run.stdout.trim().split('\n').map((line) => line.split(/\s{2,}/));
  return new Map(rows.map(([key = '', value = '', source = '']) => [key, [value, source]]));
}

describe('config file', () => {
  it('precedence is flag > environment > file > default, and check says which', async () => {
    const yaml = file('fleetwire.yaml', 'http-port: 1111\nretention: 3d\n');
    const env = { FLEETWIRE_HTTP_PORT: '2222' };
    expect((await check([yaml, '--http-port', '3333'], env)).get('http-port')).toEqual(['3333', 'flag']);
    expect((await check([yaml], env)).get('http-port')).toEqual(['2222', 'env FLEETWIRE_HTTP_PORT']);
    const fromFile = await check(['--config', yaml]);
    expect(fromFile.get('http-port')).toEqual(['1111', `file ${yaml}`]);
    expect(fromFile.get('retention')).toEqual(['3d', `file ${yaml}`]);
    expect(fromFile.get('mqtt-port')).toEqual(['1883', 'default']);
    expect((await check([])).get('http-port')).toEqual(['8080', 'default']);
  });

  it('takes the file from FLEETWIRE_CONFIG, JSON as well as YAML, lists as arrays and switches as booleans', async () => {
    const json = file('fleetwire.json', JSON.stringify({ 'allow-origin': ['https://a.example', 'https://b.example'], 'allow-anonymous': true, 'max-packet-size': '1KiB' }));
    const rows = await check([], { FLEETWIRE_CONFIG: json });
    expect(rows.get('allow-origin')).toEqual(['https://a.example,https://b.example', `file ${json}`]);
    expect(rows.get('allow-anonymous')).toEqual(['true', `file ${json}`]);
    expect(rows.get('max-packet-size')).toEqual(['1KiB', `file ${json}`]);
    // FLEETWIRE_ALLOW_ANONYMOUS is an environment variable like the others: it wins over the file.
    expect((await check([], { FLEETWIRE_CONFIG: json, FLEETWIRE_ALLOW_ANONYMOUS: '0' })).get('allow-anonymous')).toEqual(['false', 'env FLEETWIRE_ALLOW_ANONYMOUS']);
  });

  it.each([
    ['unknown.yaml', 'mqtt-prot: 1884\n', /unknown\.yaml: unknown key 'mqtt-prot'/],
    ['config.yaml', 'config: other.yaml\n', /config\.yaml: unknown key 'config'/],
    ['port.yaml', 'mqtt-port: abc\n', /port\.yaml: mqtt-port: 'abc' is invalid: must be a port number/],
    ['level.yaml', 'log-level: loud\n', /level\.yaml: log-level: 'loud' is invalid: .*fatal/],
    ['flag.yaml', 'allow-anonymous: "yes"\n', /flag\.yaml: allow-anonymous: must be true or false/],
    ['nested.yaml', 'host: { a: 1 }\n', /nested\.yaml: host: must be a value such as you would give --host/],
    ['broken.yaml', 'mqtt-port: [1\n', /broken\.yaml: not valid YAML: .*line/],
    ['dupe.yaml', 'fleet: 1\nfleet: 2\n', /dupe\.yaml: not valid YAML: .*unique/],
    ['broken.json', '{"mqtt-port": ', /broken\.json: not valid JSON/],
    ['list.yaml', '- mqtt-port\n', /list\.yaml: the top level must be a mapping/],
    ['fleetwire.conf', 'mqtt-port 1884\n', /fleetwire\.conf: a config file ends in \.yaml, \.yml or \.json/],
    // A value the file gives is checked even where a flag overrides it.
    ['overridden.yaml', 'retention: soon\n', /overridden\.yaml: retention: 'soon' is invalid: must be a duration/],
  ])('%s is refused with one line naming the key', async (name, text, message) => {
    const run = await runCli(['config', 'check', file(name, text), '--retention', '1d']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('start refuses a bad file the same way, before it listens anywhere', async () => {
    const run = await runCli(['start', '--config', file('fleetwire.yaml', 'mqtt-port: 0\nhttp-port: 0\nfleet: many\n')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^error: .*fleetwire\.yaml: fleet: 'many' is invalid: must be a whole number/);
    expect(run.stdout).toBe(''); // no "listening" log line: nothing started
  });

  it('a file that is not there is named', async () => {
    const run = await runCli(['start', '--config', '/nonexistent/fleetwire.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\/nonexistent\/fleetwire\.yaml: cannot be read: ENOENT/);
  });

  it('check refuses what start would fail on: cross-field problems, a broken users file, a TLS pair that does not parse', async () => {
    const dir = tempDir();
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    const users = join(dir, 'users.json');
    writeFileSync(users, '{ nope');
    for (const [args, message] of [
      [['--host', '0.0.0.0'], /--host 0\.0\.0\.0 is not loopback/],
      [['--tls-cert', cert], /--tls-cert and --tls-key go together/],
      [['--tls-cert', cert, '--tls-key', cert], /--tls-cert .*cert\.pem with --tls-key .* cannot be used/],
      [['--users-file', users], /users\.json/],
    ] as const) {
      const run = await runCli(['config', 'check', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/configuration OK/);
    }
  });

  it('the example file is valid, names every option of start, and its values are the defaults', async () => {
    const help = await runCli(['start', '--help']);
    const options = [...help.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]).filter((name) => name !== 'help' && name !== 'config');
    expect(options.length).toBeGreaterThan(20);
    const text = readFileSync(EXAMPLE, 'utf8');
    const keys = [...text.matchAll(/^#? ?([a-z-]+):/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual([...options].sort());
    const fromExample = await check([EXAMPLE]);
    const defaults = await check([]);
    for (const [key, [value, source]] of fromExample) {
      if (source.startsWith('file')) expect([key, value]).toEqual([key, defaults.get(key)?.[0] === '(none)' ? '(none)' : defaults.get(key)?.[0]]);
    }
  });
});
