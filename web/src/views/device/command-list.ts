/** The device's commands, from the hub's history and then live, each with its state as it changes: pending → acked / failed / timeout. */
import type { Json } from '../../../../protocol/message.js';
import type { CommandEntry } from '../../state/command-log.js';
import { h, pill } from '../../ui/dom.js';
import { formatTime } from '../../ui/format.js';

const TONES: Record<CommandEntry['status'], string> = { pending: 'busy', acked: 'ok', failed: 'bad', timeout: 'warn' };
/** Commands listed; the log keeps more. */
const SHOWN = 12;

/** `state on · color #ff0000` for an argument object; arguments may come from any device, so text only. */
function argsText(args: Json): string {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return args === null ? '' : JSON.stringify(args);
  return Object.entries(args)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ')
    .slice(0, 120);
}

export function createCommandList(): { el: HTMLElement; update(list: readonly CommandEntry[]): void; note(text: string): void } {
  const items = h('ol', { class: 'command-list' });
  const empty = h('p', { class: 'muted', text: 'Loading commands…' });
  const el = h('section', { class: 'panel', attrs: { 'aria-labelledby': 'cmd-title' } }, h('h2', { text: 'Commands', attrs: { id: 'cmd-title' } }), empty, items);
  return {
    el,
    note(text) {
      empty.textContent = text;
    },
    update(list) {
      empty.hidden = list.length > 0;
      items.replaceChildren(
        ...list.slice(0, SHOWN).map((c) => {
          const outcome = c.status === 'failed' || c.status === 'timeout' ? c.error ?? '' : '';
          return h(
            'li',
            { class: 'command', attrs: { 'data-command': c.id, 'data-status': c.status } },
            h('span', { class: 'command-name', text: c.name }),
            h('span', { class: 'command-args muted', text: argsText(c.args) }),
            pill(c.status, TONES[c.status]),
            h('time', { class: 'muted', text: formatTime(c.created) }),
            outcome ? h('span', { class: 'command-error', text: outcome }) : null,
          );
        }),
      );
    },
  };
}
