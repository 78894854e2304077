/**
 * `--map tasmota,zigbee2mqtt,./my-rules.yaml`: presets by name and rule files by path (YAML or
 * JSON), read once at start-up. Anything wrong throws one line naming the file or preset, the
 * rule and what is wrong, so the hub does not start on half its rules.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PRESETS } from './presets/index.js';
import type { MappingRule } from './rule.js';
import { MAX_RULES, parseRuleSet } from './rule-parse.js';

/** Largest rule file read, bytes. */
const MAX_FILE_BYTES = 1024 * 1024;

const isFile = (entry: string): boolean => entry.includes('/') || ['.yaml', '.yml', '.json'].includes(extname(entry).toLowerCase());

function readRuleFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--map ${file}: cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  if (text.length > MAX_FILE_BYTES) throw new Error(`--map ${file}: larger than ${MAX_FILE_BYTES} bytes.`);
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new Error(`--map ${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
}

/**
 * The rules of every preset and file in `entries`, in order, then those written in the config
 * file (`inline`, its source `config` unless it names one). Throws one line on the first problem.
 */
export function loadMappingRules(entries: readonly string[], inline: { where: string; rules: unknown } | null = null): MappingRule[] {
  const rules: MappingRule[] = [];
  const sources = new Set<string>();
  for (const entry of inline ? [...entries, inline] : entries) {
    const preset = typeof entry === 'string' ? PRESETS[entry] : undefined;
    let parsed;
    if (typeof entry !== 'string') parsed = parseRuleSet(entry.rules, entry.where, 'config');
    else if (preset) parsed = parseRuleSet(preset, `--map preset ${entry}`, preset.source);
    else if (isFile(entry)) parsed = parseRuleSet(readRuleFile(entry), `--map ${entry}`, basename(entry, extname(entry)).replace(/[^\w.-]/g, '-'));
    else throw new Error(`--map: '${entry}' is neither a preset (${Object.keys(PRESETS).join(', ')}) nor a rule file (.yaml, .yml, .json or a path with /).`);
    if (!parsed.ok) throw new Error(parsed.error);
    const source = parsed.value[0]?.source;
    if (source !== undefined && sources.has(source)) throw new Error(`${typeof entry === 'string' ? `--map ${entry}` : entry.where}: source "${source}" is given twice; give each preset or file once.`);
    if (source !== undefined) sources.add(source);
    rules.push(...parsed.value);
  }
  if (rules.length > MAX_RULES) throw new Error(`--map: more than ${MAX_RULES} rules in all.`);
  return rules;
}
