/**
 * Alerts firing on the hub, newest first, each with who acknowledged it or an Acknowledge
 * button. Used on the events page (every device) and on a device's page (that device).
 */
import type { AlertView } from '../../../../protocol/alerts.js';
import type { App } from '../../app/app-state.js';
import { ApiError, ackAlert } from '../../net/api.js';
import { h, pill } from '../../ui/dom.js';
import { formatDuration } from '../../ui/format.js';
import { toast } from '../../ui/toast.js';

/** Alerts listed; the count tells about the rest. */
const SHOWN = 20;
const TONES: Record<AlertView['severity'], string> = { info: 'muted', warning: 'warn', critical: 'bad' };

const valueText = (v: AlertView['value']): string => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v).slice(0, 80) : String(v));

export function createFiringList(app: App, device?: string): { el: HTMLElement; render(): void } {
  const list = h('ul', { class: 'firing-list', attrs: { 'aria-live': 'polite' } });
  const empty = h('p', { class: 'muted', text: 'Nothing is firing.' });
  const el = h('div', { class: 'firing-box' }, empty, list);

  const ack = (alert: AlertView, button: HTMLButtonElement): void => {
    button.disabled = true;
    ackAlert(alert.id).then(
      () => undefined,
      (err: unknown) => {
        button.disabled = false;
        toast('Could not acknowledge', err instanceof ApiError ? err.message : 'network error', 'error');
      },
    );
  };

  const row = (a: AlertView, now: number): HTMLLIElement => {
    const button = h('button', { class: 'button button-quiet', text: 'Acknowledge', attrs: { type: 'button', 'aria-label': `Acknowledge ${a.name} on ${a.device}` } });
    button.addEventListener('click', () => ack(a, button));
    return h(
      'li',
      { class: 'firing', attrs: { 'data-alert': a.id, 'data-acked': String(a.ack !== null) } },
      pill(a.severity, TONES[a.severity]),
      device === undefined ? h('a', { text: a.device, attrs: { href: `#/device/${encodeURIComponent(a.device)}` } }) : null,
      h('span', { class: 'firing-name', text: ` ${a.name}` }),
      h('span', { class: 'muted', text: ` ${valueText(a.value)} · for ${formatDuration(now - a.since)}` }),
      a.ack ? h('span', { class: 'firing-ack muted', text: ` · acknowledged by ${a.ack.by}` }) : button,
    );
  };

  const render = (): void => {
    const firing = app.alerts.firing(device);
    const now = app.connection.hubNow();
    empty.hidden = firing.length > 0;
    list.replaceChildren(...firing.slice(0, SHOWN).map((a) => row(a, now)), ...(firing.length > SHOWN ? [h('li', { class: 'muted', text: `and ${firing.length - SHOWN} more` })] : []));
  };
  render();
  return { el, render };
}
