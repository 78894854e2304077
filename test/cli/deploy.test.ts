/**
 * The Dockerfile, the compose file and the systemd unit, checked against the CLI they run.
 * Images are not built here (no registry): what each file asks the CLI to do is run instead,
 * with the container's /data and the unit's /var/lib paths moved to a temp directory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, spawnCli } from '../support/cli.js';
import { stopAll, tempDir, waitFor } from '../support/hub.js';

afterAll(stopAll);
vi.setConfig({ testTimeout: 120_000 });

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: { fleetwire: string } };

/** The JSON-array form of a Dockerfile instruction (the exec form, so signals reach node). */
function execForm(dockerfile: string, instruction: string): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${instruction} `));
  expect(line, instruction).toBeDefined();
  const json = /\[.*\]$/.exec(line ?? '')?.[0];
  expect(json, `${instruction} uses the exec form`).toBeDefined();
  return JSON.parse(json ?? '[]') as string[];
}

/** The runtime stage's ENV (the last FROM onwards), with /data moved to `data`. */
function runtimeEnv(dockerfile: string, data: string): Record<string, string> {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const block = /^ENV ((?:.*\\\n)*.*)$/m.exec(runtime)?.[1] ?? '';
  const pairs = [...block.replace(/\\\n/g, ' ').matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^\/data\//, `${data}/`)]);
  return Object.fromEntries(pairs);
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('is multi-stage, runs as the node user, keeps its data in a volume', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^VOLUME \/data$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(execForm(dockerfile, 'ENTRYPOINT')).toEqual(['node', `/app/${pkg.bin.fleetwire}`]);
  });

  it('its entry point makes a user, starts the hub, and its healthcheck sees it up, then down', async () => {
    const data = tempDir();
    const env: Record<string, string> = { ...runtimeEnv(dockerfile, data), FLEETWIRE_HOST: '127.0.0.1', FLEETWIRE_MQTT_PORT: '0', FLEETWIRE_HTTP_PORT: '0' };
    expect(env.FLEETWIRE_DB).toBe(`${data}/fleetwire.db`);
    const added = await runCli(['users', 'add', 'admin', '--role', 'admin', '--password', 'correct horse battery'], env);
    expect(added.code).toBe(0);

    const child = spawnCli(execForm(dockerfile, 'CMD'), env);
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      const line = await waitFor(() => stdout.split('\n').find((l) => l.includes('"listening"')), 60_000, 'the listening log line');
      const port = new URL((JSON.parse(line) as { http: string }).http).port;
      const health = execForm(dockerfile, 'HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD');
      expect(health.slice(0, 2)).toEqual(['node', `/app/${pkg.bin.fleetwire}`]);
      expect((await runCli(health.slice(2), { ...env, FLEETWIRE_HTTP_PORT: port })).code).toBe(0);

      child.kill('SIGTERM'); // STOPSIGNAL
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      const down = await runCli(health.slice(2), { ...env, FLEETWIRE_HTTP_PORT: port });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('compose.yaml', () => {
  it('runs hubs on one Redis, and their settings pass config check', async () => {
    const compose = parseYaml(read('compose.yaml'), { merge: true }) as { services: Record<string, { image?: string; build?: string; environment?: Record<string, string> }> };
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    const hubs = Object.values(compose.services).filter((s) => s.build === '.');
    expect(hubs.length).toBeGreaterThanOrEqual(2);
    const data = tempDir();
    const users = join(data, 'users.json');
    expect((await runCli(['users', 'add', 'admin', '--role', 'admin', '--password', 'correct horse battery'], { FLEETWIRE_USERS_FILE: users })).code).toBe(0);
    for (const hub of hubs) {
      const env: Record<string, string> = { ...runtimeEnv(read('Dockerfile'), data), ...hub.environment, FLEETWIRE_USERS_FILE: users };
      expect(env.FLEETWIRE_REDIS).toMatch(/^redis:\/\/redis:6379$/);
      const run = await runCli(['config', 'check'], env);
      expect(run.stderr).toBe('configuration OK\n');
    }
  });
});

describe('systemd unit', () => {
  const unit = read('docs/fleetwire.service');
  const value = (key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1] ?? '';

  it('runs `fleetwire start` with an absolute data path in its state directory, and reloads with SIGHUP', async () => {
    const [binary, command, ...args] = value('ExecStart').split(' ');
    expect(binary).toMatch(/^\/.*\/fleetwire$/);
    expect(command).toBe('start');
    const db = args[args.indexOf('--db') + 1] ?? '';
    expect(db.startsWith(`/var/lib/${value('StateDirectory')}/`)).toBe(true);
    expect(value('ExecReload')).toMatch(/kill -HUP \$MAINPID/);
    expect(value('User')).not.toBe('root');

    // The same options through `config check`, the config file being the example it is installed from.
    const config = args[args.indexOf('--config') + 1] ?? '';
    const moved = args.map((a) => (a === config ? join(ROOT, 'fleetwire.example.yaml') : a === db ? join(tempDir(), 'fleetwire.db') : a));
    const run = await runCli(['config', 'check', ...moved]);
    expect(run.stderr).toBe('configuration OK\n');
    expect(run.stdout).toMatch(/^db\s+\S+fleetwire\.db\s+flag$/m);
  });
});
