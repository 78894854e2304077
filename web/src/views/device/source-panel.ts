/** The device page's "Source" panel: where the device came from, its readings' units and any mapping problem, all as text. */
import type { DeviceRow } from '../../state/fleet-store.js';
import { h, setText } from '../../ui/dom.js';
import { sourceSentence } from '../device-source.js';

export function createSourcePanel(): { el: HTMLElement; update(row: DeviceRow | undefined): void } {
  const sentence = h('p', { class: 'source-sentence' });
  const units = h('p', { class: 'source-units muted' });
  const problemsTitle = h('h3', { text: 'Mapping problems' });
  const problems = h('ul', { class: 'problem-list' });
  const el = h('section', { class: 'panel panel-source', attrs: { 'aria-labelledby': 'source-title' } }, h('h2', { text: 'Source', attrs: { id: 'source-title' } }), sentence, units, problemsTitle, problems);
  let key = '';
  return {
    el,
    update(row) {
      el.hidden = row === undefined;
      if (!row) return;
      setText(sentence, sourceSentence(row.source));
      const unitList = Object.entries(row.units).map(([metric, unit]) => `${metric} ${unit}`);
      setText(units, unitList.length > 0 ? `Units: ${unitList.join(', ')}` : '');
      units.hidden = unitList.length === 0;
      const next = JSON.stringify(row.problems);
      if (next === key) return;
      key = next;
      problemsTitle.hidden = row.problems.length === 0;
      problems.replaceChildren(...row.problems.map((p) => h('li', { class: 'problem', text: p })));
    },
  };
}
