/**
 * `--config fleetwire.yaml|.json`: every option of a command can live in the file under its long
 * name (`mqtt-port: 1884`). Values go through the option's own parser, so a file value and a flag
 * are checked by the same code and refused with the same words, prefixed by the file and key.
 *
 * Precedence is flag > environment > file > default: commander has set flags and environment
 * variables by the time the action runs, and a file value only replaces a default
 * (commander's value source `config`).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Command, InvalidArgumentError, type Option } from 'commander';
import { parse as parseYaml } from 'yaml';

/** Options a file cannot set: the file itself, and the ones commander handles before any action. */
const NOT_IN_FILE = new Set(['--config', '--help', '--version']);
/** A key that is no option: mapping rules written in the file itself (bridge/mapping/rule-parse.ts), read by `start`. */
export const MAPPING_RULES_KEY = 'mapping-rules';

/** Reads a YAML or JSON file whose top level is a mapping of option names to values. */
export function readConfigFile(file: string): Record<string, unknown> {
  const ext = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) throw new Error(`${file}: a config file ends in .yaml, .yml or .json.`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  let data: unknown;
  try {
    // YAML 1.2 core schema: `7d` stays a string, `1884` is a number, duplicate keys are an error.
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new Error(`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}`);
  }
  if (data === null || data === undefined) return {}; // an empty or all-comment file
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: the top level must be a mapping of option names to values.`);
  return data as Record<string, unknown>;
}

/** YAML's message ends in a code frame; the first line names the place. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '.');
}

/** A file value as the text a person would type after the flag; null when its type cannot be one. */
function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(',');
  return null;
}

/** A file value parsed as the flag's value would be, with the text it was written as. */
function fileValue(option: Option, key: string, value: unknown): { value: unknown; text: string } {
  if (option.isBoolean()) {
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`${key}: must be true or false, not ${JSON.stringify(value)}.`);
    return { value, text: String(value) };
  }
  const text = asText(value);
  if (text === null) throw new InvalidArgumentError(`${key}: must be a value such as you would give --${key}, not ${JSON.stringify(value)}.`);
  if (!option.parseArg) return { value: text, text };
  try {
    return { value: option.parseArg(text, undefined as unknown), text };
  } catch (err) {
    throw new InvalidArgumentError(`${key}: '${text}' is invalid: ${(err as Error).message}`);
  }
}

/** The option a file key names, or an error that names the key. */
function optionFor(cmd: Command, key: string): Option {
  const option = cmd.options.find((o) => o.long === `--${key}`);
  if (!option || NOT_IN_FILE.has(option.long ?? '')) {
    throw new InvalidArgumentError(`unknown key '${key}': keys are the long names of \`fleetwire start\` options, such as mqtt-port.`);
  }
  return option;
}

/**
 * Applies a file's values to `cmd` wherever neither a flag nor an environment variable gave one,
 * and returns the text of each value applied (by attribute name). Every key is checked, also those
 * a flag overrides, so a file is valid or not on its own. Throws one line naming the file and key.
 */
export function applyConfigFile(cmd: Command, file: string): Map<string, string> {
  const checked: [string, { value: unknown; text: string }][] = [];
  for (const [key, raw] of Object.entries(readConfigFile(file))) {
    if (key === MAPPING_RULES_KEY) continue;
    try {
      const option = optionFor(cmd, key);
      checked.push([option.attributeName(), fileValue(option, key, raw)]);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
  }
  const applied = new Map<string, string>();
  for (const [name, { value, text }] of checked) {
    const source = cmd.getOptionValueSource(name);
    if (source === 'cli' || source === 'env') continue;
    cmd.setOptionValueWithSource(name, value, 'config');
    applied.set(name, text);
  }
  return applied;
}
