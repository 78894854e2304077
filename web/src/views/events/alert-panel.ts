/**
 * Alerts on the hub: what is firing (anyone may acknowledge), the rules (everyone sees them,
 * admins add and remove them; the hub refuses others with a reason shown here), and a form
 * for a threshold rule. Rules are evaluated by the hub, with or without a browser open.
 */
import type { AlertRuleView } from '../../../../protocol/alerts.js';
import type { Json } from '../../../../protocol/message.js';
import type { App } from '../../app/app-state.js';
import { ApiError, createRule, deleteRule, fetchRules } from '../../net/api.js';
import { h, setText } from '../../ui/dom.js';
import { createFiringList } from '../alerts/firing-list.js';

function field(label: string, input: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label', text: label }), input);
}

/** One line a person reads: `temperature above 30 for 10 s · device d1 · warning`. */
export function describeRule(r: AlertRuleView): string {
  const c = r.condition;
  const what = (() => {
    switch (c.type) {
      case 'threshold':
        return `${c.metric} ${c.above !== null ? `above ${c.above}` : `below ${c.below}`}${c.hysteresis > 0 ? ` (±${c.hysteresis})` : ''}${c.forMs > 0 ? ` for ${c.forMs / 1000} s` : ''}`;
      case 'offline':
      case 'silent':
        return `${c.type} for ${c.forMs / 1000} s`;
      case 'stuck':
        return `${c.metric} stuck for ${c.readings} readings`;
      case 'event':
        return `event ${JSON.stringify(c.match)}`;
      case 'command':
        return `command ${c.name ?? 'any'} ${c.states.join(' or ')}`;
      default:
        return 'condition';
    }
  })();
  const target = r.target.devices ? `device ${r.target.devices.join(', ')}` : r.target.model ? `model ${r.target.model}` : 'every device';
  return `${what} · ${target} · ${r.severity}${r.webhook ? ' · webhook' : ''}`;
}

const errorText = (err: unknown): string => (err instanceof ApiError ? err.message : 'network error');

export function createAlertPanel(app: App): { el: HTMLElement; render(): void } {
  const input = (attrs: Record<string, string>): HTMLInputElement => h('input', { class: 'text-input', attrs: { spellcheck: 'false', ...attrs } });
  const name = input({ type: 'text', value: 'Too hot', required: '', maxlength: '80' });
  const metric = input({ type: 'text', value: 'temperature', required: '' });
  const op = h('select', { class: 'select' }, h('option', { text: 'above', attrs: { value: 'above' } }), h('option', { text: 'below', attrs: { value: 'below' } }));
  const threshold = input({ type: 'number', value: '40', step: 'any', required: '' });
  const forSeconds = input({ type: 'number', value: '0', min: '0', step: '1', required: '' });
  const device = input({ type: 'text', placeholder: 'every device' });
  const severity = h('select', { class: 'select' }, ...['warning', 'critical', 'info'].map((s) => h('option', { text: s, attrs: { value: s } })));
  const webhook = input({ type: 'url', placeholder: 'https://… (optional)' });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const note = h('p', { class: 'form-note muted', attrs: { role: 'status' } });
  const form = h(
    'form',
    { class: 'alert-form', attrs: { 'aria-label': 'New alert rule' } },
    field('Name', name),
    field('Metric', metric),
    field('Is', op),
    field('Threshold', threshold),
    field('For (s)', forSeconds),
    field('Device', device),
    field('Severity', severity),
    field('Webhook', webhook),
    h('button', { class: 'button button-primary', text: 'Add rule', attrs: { type: 'submit' } }),
    error,
    note,
  );
  const rulesList = h('ul', { class: 'rule-list' });
  const firing = createFiringList(app);
  let rules: AlertRuleView[] = [];

  const loadRules = (): void => {
    fetchRules().then(
      (list) => {
        rules = list;
        renderRules();
      },
      (err: unknown) => setText(error, `Rules could not be loaded: ${errorText(err)}`),
    );
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, Json> = { name: name.value, metric: metric.value.trim(), [op.value]: Number(threshold.value), severity: severity.value };
    if (Number(forSeconds.value) > 0) body.for = `${Number(forSeconds.value)}s`;
    if (device.value.trim()) body.device = device.value.trim();
    if (webhook.value.trim()) body.webhook = webhook.value.trim();
    setText(error, '');
    setText(note, '');
    createRule(body).then(
      (made) => {
        if (body.webhook !== undefined) setText(note, `Webhook secret (shown once, keep it to check signatures): ${made.secret}`);
        loadRules();
      },
      (err: unknown) => setText(error, errorText(err)),
    );
  });

  const renderRules = (): void => {
    rulesList.replaceChildren(
      ...rules.map((rule) =>
        h(
          'li',
          { class: 'rule', attrs: { 'data-rule': rule.id } },
          h('span', { class: 'rule-name', text: rule.name }),
          h('span', { class: 'muted', text: ` ${describeRule(rule)}` }),
          h('button', {
            class: 'button button-quiet',
            text: 'Remove',
            attrs: { type: 'button', 'aria-label': `Remove rule ${rule.name}` },
            on: { click: () => deleteRule(rule.id).then(loadRules, (err: unknown) => setText(error, errorText(err))) },
          }),
        ),
      ),
    );
    if (rules.length === 0) rulesList.append(h('li', { class: 'muted', text: 'No rules yet. Add one below.' }));
  };

  const el = h(
    'section',
    { class: 'panel panel-alerts', attrs: { 'aria-labelledby': 'alerts-title' } },
    h('h2', { text: 'Alerts', attrs: { id: 'alerts-title' } }),
    h('h3', { text: 'Firing now' }),
    firing.el,
    h('h3', { text: 'Rules' }),
    rulesList,
    h('h3', { text: 'New rule' }),
    form,
  );
  renderRules();
  loadRules();
  return { el, render: firing.render };
}
