/** `--map` at start-up: a rule file with an error stops the hub with one line naming the rule and what is wrong. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { stopAll, tempDir } from '../support/hub.js';

afterAll(stopAll);

const BAD_RULES = `
source: my-plugs
rules:
  - name: plug-power
    topic: plugs/{id}/power
    readings:
      Power: $
`;

describe('fleetwire start --map', () => {
  it('a bad rule file stops start-up with one line naming the file, the rule and the problem', async () => {
    const dir = tempDir();
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, BAD_RULES);
    const run = await runCli(['start', '--map', `tasmota,${file}`, '--mqtt-port', '0', '--http-port', '0', '--db', join(dir, 'f.db')]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([`error: --map ${file}: rule "plug-power": readings: metric "Power" must match ^[a-z][a-z0-9_]{0,31}$`]);
  });

  it('so do rules written in the config file under mapping-rules', async () => {
    const dir = tempDir();
    const config = join(dir, 'fleetwire.yaml');
    writeFileSync(config, `mqtt-port: 0\nhttp-port: 0\nmapping-rules:\n  rules:\n    - name: meter\n      topic: meters/{id}\n      led: { on: 1 }\n`);
    const run = await runCli(['config', 'check', '--config', config]);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([`error: ${config}: mapping-rules: rule "meter": led.off must be a value or a list of 1 to 8 values (text, number, true/false)`]);
  });

  it('so does an unknown preset named in the config file', async () => {
    const dir = tempDir();
    const config = join(dir, 'fleetwire.yaml');
    writeFileSync(config, `map: [tasmota, tasmotta]\nmqtt-port: 0\nhttp-port: 0\ndb: ${join(dir, 'f.db')}\n`);
    const run = await runCli(['start', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(["error: --map: 'tasmotta' is neither a preset (tasmota, shelly-gen2, zigbee2mqtt, esphome) nor a rule file (.yaml, .yml, .json or a path with /)."]);
  });
});
