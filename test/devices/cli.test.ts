import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, runFleet, startBroker, track } from './support.js';

describe('fleetwire fleet', () => {
  it('runs a fleet with a starting fault and a control endpoint, and stops cleanly on SIGTERM', async () => {
    const broker = await startBroker();
    const run = runFleet(['--count', '5', '--broker', broker.url, '--interval', '50ms', '--fault', 'stuck:thermo-1', '--control-port', '0', '--log-level', 'warn']);
    const control = await eventually('control URL', () => run.lines.map((l) => /^control: (http:\S+)$/.exec(l)?.[1]).find(Boolean), 30_000);
    await eventually('all online', () => run.lines.some((l) => /all 5 devices online/.test(l)), 30_000);

    const active = (await (await fetch(`${control}/faults`)).json()) as { active: Array<{ name: string; sample: string[] }> };
    expect(active.active).toEqual([expect.objectContaining({ name: 'stuck', sample: ['thermo-1'] })]);
    const posted = await fetch(`${control}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'skew', target: 'all', params: { ms: 5000 } }) });
    expect(posted.status).toBe(200);
    const cleared = await fetch(`${control}/faults/stuck`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ cleared: 1 });

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // A clean stop says goodbye: every device's last status is offline, published by the device itself.
    const statuses = broker.published.filter((m) => m.topic.endsWith('/status'));
    const last = new Map(statuses.map((m) => [m.topic, JSON.parse(m.text) as { online: boolean }]));
    expect(last.size).toBe(5);
    for (const s of last.values()) expect(s.online).toBe(false);
  });

  it('stops with one clear line naming the option when an option is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));
    track({ close: () => rmSync(dir, { recursive: true, force: true }) });
    const notMap = join(dir, 'list.json');
    writeFileSync(notMap, '["thermo-1"]');
    const cases: Array<[string[], RegExp]> = [
      [['--credentials', notMap], /--credentials .*must be a JSON object of device id → password/],
      [['--credentials', join(dir, 'missing.json')], /--credentials .*ENOENT/],
      [['--count', 'many'], /--count/],
      [['--interval', 'soon'], /--interval/],
      [['--mix', 'thermo:40,toaster:1'], /--mix.*toaster/],
      [['--fault', 'loss:all:rate=7'], /--fault.*loss\.rate/],
      [['--broker', 'not a url'], /--broker/],
      [['--control-port', '99999'], /--control-port/],
    ];
    for (const [args, pattern] of cases) {
      const run = runFleet(args);
      const code = await run.exited;
      expect(code, args.join(' ')).not.toBe(0);
      const errors = run.lines.filter((l) => l.trim().length > 0);
      expect(errors, args.join(' ')).toHaveLength(1);
      expect(errors[0], args.join(' ')).toMatch(pattern);
    }
  });
});
