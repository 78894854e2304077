/** Short notices (alerts firing, a command that failed), announced to screen readers too. */
import { h } from './dom.js';

const MAX_VISIBLE = 4;
const SHOW_MS = 6_000;

let region: HTMLElement | null = null;

function ensureRegion(): HTMLElement {
  if (!region) {
    region = h('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.append(region);
  }
  return region;
}

export type Tone = 'info' | 'ok' | 'warn' | 'error';

export function toast(title: string, detail = '', tone: Tone = 'info'): void {
  const box = ensureRegion();
  const close = h('button', { class: 'toast-close', text: '×', attrs: { type: 'button', 'aria-label': 'Dismiss' } });
  const item = h('div', { class: `toast toast-${tone}` }, h('div', { class: 'toast-title', text: title }), detail ? h('div', { class: 'toast-detail', text: detail }) : null, close);
  const remove = (): void => item.remove();
  close.addEventListener('click', remove);
  box.prepend(item);
  while (box.children.length > MAX_VISIBLE) box.lastElementChild?.remove();
  setTimeout(remove, SHOW_MS);
}
