/**
 * Threshold alerts: the rules a user set (kept in this browser), a form to add one, and the
 * alerts firing right now. Rules are judged on hub time by the AlertEngine.
 */
import type { App } from '../../app/app-state.js';
import { MAX_RULES, checkRule, describeRule } from '../../state/alert-engine.js';
import { h, setText } from '../../ui/dom.js';
import { formatDuration, formatReading } from '../../ui/format.js';

/** Firing alerts listed; the feed and the count tell about the rest. */
const FIRING_SHOWN = 20;

function field(label: string, input: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label', text: label }), input);
}

export function createAlertPanel(app: App): { el: HTMLElement; render(): void } {
  const metric = h('input', { class: 'text-input', attrs: { type: 'text', value: 'temperature', required: '', spellcheck: 'false', list: 'alert-metrics' } });
  const metrics = h('datalist', { attrs: { id: 'alert-metrics' } }, ...['temperature', 'voltage', 'current', 'power', 'humidity'].map((m) => h('option', { attrs: { value: m } })));
  const op = h('select', { class: 'select' }, h('option', { text: 'above', attrs: { value: 'above' } }), h('option', { text: 'below', attrs: { value: 'below' } }));
  const threshold = h('input', { class: 'text-input', attrs: { type: 'number', value: '40', step: 'any', required: '' } });
  const forSeconds = h('input', { class: 'text-input', attrs: { type: 'number', value: '30', min: '0', step: '1', required: '' } });
  const device = h('input', { class: 'text-input', attrs: { type: 'text', placeholder: 'any device', spellcheck: 'false' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const form = h(
    'form',
    { class: 'alert-form' },
    field('Metric', metric),
    metrics,
    field('Is', op),
    field('Threshold', threshold),
    field('For (s)', forSeconds),
    field('Device', device),
    h('button', { class: 'button button-primary', text: 'Add alert', attrs: { type: 'submit' } }),
    error,
  );
  const rulesList = h('ul', { class: 'rule-list' });
  const firingList = h('ul', { class: 'firing-list', attrs: { 'aria-live': 'polite' } });
  const firingEmpty = h('p', { class: 'muted', text: 'Nothing is firing.' });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const checked = checkRule({ id: `r${Date.now().toString(36)}`, metric: metric.value, op: op.value, threshold: threshold.value, forSeconds: forSeconds.value, device: device.value });
    if (!checked.ok) return setText(error, checked.error);
    if (app.rules().length >= MAX_RULES) return setText(error, `At most ${MAX_RULES} alerts.`);
    setText(error, '');
    app.setRules([...app.rules(), checked.rule]);
    render();
  });

  const render = (): void => {
    rulesList.replaceChildren(
      ...app.rules().map((rule) =>
        h(
          'li',
          { class: 'rule' },
          h('span', { text: describeRule(rule) }),
          h('button', {
            class: 'button button-quiet',
            text: 'Remove',
            attrs: { type: 'button', 'aria-label': `Remove alert: ${describeRule(rule)}` },
            on: {
              click: () => {
                app.setRules(app.rules().filter((r) => r.id !== rule.id));
                render();
              },
            },
          }),
        ),
      ),
    );
    if (app.rules().length === 0) rulesList.append(h('li', { class: 'muted', text: 'No alerts set. Add one below.' }));
    const now = app.connection.hubNow();
    const firing = app.alerts.firing();
    firingEmpty.hidden = firing.length > 0;
    firingList.replaceChildren(
      ...firing.slice(0, FIRING_SHOWN).map((f) =>
        h(
          'li',
          { class: 'firing' },
          h('a', { text: f.device, attrs: { href: `#/device/${encodeURIComponent(f.device)}` } }),
          h('span', { text: ` ${f.rule.metric} ${formatReading(f.rule.metric, f.value)} (${f.rule.op} ${f.rule.threshold}) for ${formatDuration(now - f.since)}` }),
        ),
      ),
      ...(firing.length > FIRING_SHOWN ? [h('li', { class: 'muted', text: `and ${firing.length - FIRING_SHOWN} more` })] : []),
    );
  };

  const el = h(
    'section',
    { class: 'panel panel-alerts', attrs: { 'aria-labelledby': 'alerts-title' } },
    h('h2', { text: 'Alerts', attrs: { id: 'alerts-title' } }),
    h('h3', { text: 'Firing now' }),
    firingEmpty,
    firingList,
    h('h3', { text: 'Rules' }),
    rulesList,
    h('h3', { text: 'New alert' }),
    form,
  );
  render();
  return { el, render };
}
