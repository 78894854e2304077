/** Faults written as text, for the CLI: `name[:target[:key=value,…]]`, e.g. `loss:25%:rate=0.3`. */
import { type Result, fail, ok } from '../../protocol/errors.js';
import { FAULT_NAMES, type FaultName, type FaultParams, isFaultName, parseFaultParams } from './catalogue.js';

export interface FaultSpecText {
  name: FaultName;
  /** 'all', a device id, or a fraction such as '0.1' or '10%'. */
  target: string;
  params: FaultParams;
}

export const FAULT_SPEC_HELP = `name[:target[:key=value,...]] with name one of ${FAULT_NAMES.join(', ')}; target all (default), a device id, or a fraction (0.1 or 10%)`;

/** Parses one fault spec; name and parameters are checked here, the target when it is applied. */
export function parseFaultSpec(text: string): Result<FaultSpecText> {
  const [name = '', target = 'all', paramText, ...rest] = text.split(':');
  if (rest.length > 0) return fail('bad_param', `'${text}' has too many ':' (${FAULT_SPEC_HELP})`);
  if (!isFaultName(name)) return fail('bad_param', `unknown fault '${name}' (faults: ${FAULT_NAMES.join(', ')})`);
  if (target.length === 0) return fail('bad_param', `'${text}' has an empty target`);
  const raw: Record<string, number> = {};
  for (const pair of paramText ? paramText.split(',') : []) {
    const [key = '', value = '', ...extra] = pair.split('=');
    if (key === '' || value === '' || extra.length > 0 || !Number.isFinite(Number(value))) return fail('bad_param', `'${pair}' in '${text}' must be key=number`);
    raw[key] = Number(value);
  }
  const params = parseFaultParams(name, raw);
  return params.ok ? ok({ name, target, params: params.value }) : params;
}
