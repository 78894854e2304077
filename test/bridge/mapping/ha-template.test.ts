/** The value_template subset: the forms firmware sends are read as paths and filters; anything else is refused, never evaluated. */
import { describe, expect, it } from 'vitest';
import { parseValueTemplate } from '../../../bridge/mapping/ha-template.js';

describe('value_template', () => {
  it.each([
    ['{{ value }}', '$', []],
    ['{{value}}', '$', []],
    ['{{ value | float }}', '$', [{ kind: 'float' }]],
    ['{{ value_json.temperature }}', 'temperature', []],
    ['{{ value_json.ENERGY.Power | int }}', 'ENERGY.Power', [{ kind: 'int' }]],
    ["{{ value_json['switch:0'].apower | float | round(1) }}", "['switch:0'].apower", [{ kind: 'float' }, { kind: 'round', digits: 1 }]],
    ['{{ value_json["a b"] }}', '["a b"]', []],
    ['{{ value_json.list[0] }}', 'list[0]', []],
  ])('%s reads %s', (template, path, filters) => {
    const parsed = parseValueTemplate(template);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.path.text).toBe(path);
    expect(parsed.filters).toEqual(filters);
  });

  it.each([
    '{% if value_json.on %}ON{% endif %}',
    '{{ value_json.a * 10 }}',
    '{{ value_json.a | is_defined }}',
    "{{ ''.__class__.__mro__ }}",
    '{{ value_json.a }}{{ value }}',
    '{{ states("sensor.x") }}',
    '{{ value | round(99) }}',
    '{{ value_json.__proto__ | float(0) }}',
    'value_json.a',
  ])('refuses %s', (template) => {
    expect(typeof parseValueTemplate(template)).toBe('string');
  });
});
