/**
 * `fleetwire config check`: reads the options exactly as `start` would (flags, environment,
 * config file, defaults), checks them and the files they name, and prints the effective
 * configuration with where each value came from. Like `mosquitto --test-config`, it starts nothing.
 */
import { Command, type Option } from 'commander';
import { loadUsers } from '../auth/index.js';
import type { HubConfig } from '../server/config.js';
import { readTlsFiles } from '../server/tls-files.js';
import { addStartOptions, resolveStartConfig } from './start-command.js';

/** The options whose values are shown: everything but commander's own. */
const shown = (o: Option): boolean => o.long !== '--help' && o.long !== '--version';

/** The files the configuration names must be there and parse, or `start` would fail on them. */
function checkFiles(config: HubConfig): void {
  if (config.usersFile !== null) loadUsers(config.usersFile);
  if (config.tlsCert !== null && config.tlsKey !== null) readTlsFiles(config.tlsCert, config.tlsKey, config.mqttTlsCa);
}

/** The value as a person would write it: the text given, or the default as help shows it. */
function shownValue(cmd: Command, option: Option, given: Map<string, string>): string {
  const name = option.attributeName();
  const text = given.get(name);
  if (text !== undefined) return text === '' ? '(none)' : text;
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription;
  const value: unknown = cmd.getOptionValue(name);
  if (value === undefined) return '(not set)';
  return Array.isArray(value) ? value.join(',') || '(none)' : String(value);
}

function sourceOf(cmd: Command, option: Option): string {
  const source = cmd.getOptionValueSource(option.attributeName());
  if (source === 'cli') return 'flag';
  if (source === 'env') return `env ${option.envVar ?? `FLEETWIRE_${option.attributeName().replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`}`;
  if (source === 'config') return `file ${String(cmd.getOptionValue('config'))}`;
  return option.defaultValue === undefined && option.defaultValueDescription === undefined ? '' : 'default';
}

export function configCommand(): Command {
  const check: Command = new Command('check')
    .description('check a configuration and print what `start` would use, and where each value came from')
    .argument('[file]', 'the config file (same as --config)');
  addStartOptions(check);
  // The text each flag and variable was given, so values print as they were written (7d, not 604800000).
  const given = new Map<string, string>();
  for (const option of check.options.filter(shown)) {
    check.on(`option:${option.name()}`, (text?: string) => given.set(option.attributeName(), text ?? 'true'));
    check.on(`optionEnv:${option.name()}`, (text?: string) => given.set(option.attributeName(), text ?? 'true'));
  }
  check.action((file: string | undefined) => {
    if (file !== undefined) check.setOptionValueWithSource('config', file, 'cli');
    try {
      const config = resolveStartConfig(check, process.env, given);
      checkFiles(config);
    } catch (err) {
      check.error(`error: ${(err as Error).message}`, { exitCode: 2 });
    }
    const rows = check.options.filter(shown).map((o) => [o.long?.slice(2) ?? o.name(), shownValue(check, o, given), sourceOf(check, o)] as const);
    const width = Math.max(...rows.map(([key]) => key.length));
    const valueWidth = Math.min(40, Math.max(...rows.map(([, value]) => value.length)));
    for (const [key, value, source] of rows) process.stdout.write(`${key.padEnd(width)}  ${value.padEnd(valueWidth)}  ${source}`.trimEnd() + '\n');
    process.stderr.write('configuration OK\n');
  });
  return new Command('config').description('check a configuration file').addCommand(check);
}
