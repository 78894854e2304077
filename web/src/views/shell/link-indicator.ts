/**
 * The connection indicator and transport picker in the header: which push method is in use,
 * whether it is live, and when the next attempt is after a failure (click to retry now).
 */
import type { App } from '../../app/app-state.js';
import type { LinkStatus } from '../../net/live-connection.js';
import { TRANSPORT_KINDS, TRANSPORT_LABELS, isTransportKind } from '../../../../protocol/transports.js';
import { h, setAttr, setText } from '../../ui/dom.js';
import { formatCount } from '../../ui/format.js';

function describe(s: LinkStatus): string {
  switch (s.state) {
    case 'live':
      return 'Live';
    case 'connecting':
      return 'Connecting…';
    case 'retrying':
      return `Reconnecting in ${Math.max(0, Math.ceil(((s.retryAt ?? 0) - Date.now()) / 1000))} s`;
    case 'stopped':
      return 'Stopped';
  }
}

export function createLinkIndicator(app: App): HTMLElement {
  const dot = h('span', { class: 'link-dot', attrs: { 'aria-hidden': 'true' } });
  const text = h('span', { class: 'link-text' });
  const seq = h('span', { class: 'link-seq muted' });
  const status = h('button', { class: 'link-status', attrs: { type: 'button', 'aria-live': 'polite' } }, dot, text, seq);
  const select = h('select', { class: 'select link-select', attrs: { 'aria-label': 'Transport' } }, ...TRANSPORT_KINDS.map((k) => h('option', { text: TRANSPORT_LABELS[k], attrs: { value: k } })));
  select.value = app.transport();
  select.addEventListener('change', () => {
    if (isTransportKind(select.value)) app.setTransport(select.value);
  });
  status.addEventListener('click', () => app.connection.retryNow());

  const render = (): void => {
    const s = app.connection.status();
    status.dataset.state = s.state;
    setText(text, describe(s));
    setText(seq, s.lastSeq === null ? '' : `seq ${formatCount(s.lastSeq)}`);
    setAttr(status, 'title', `${TRANSPORT_LABELS[s.kind]}: ${describe(s)}${s.error ? ` (last error: ${s.error})` : ''}${s.state === 'retrying' ? '. Click to retry now.' : ''}`);
    setAttr(status, 'aria-label', `Connection over ${TRANSPORT_LABELS[s.kind]}: ${describe(s)}`);
  };
  app.bus.on('link', render);
  // The countdown and the seq move without status events.
  setInterval(render, 1000);
  render();
  return h('div', { class: 'link' }, status, select);
}
