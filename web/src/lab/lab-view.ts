/**
 * The lab page: the publishing-rate control, a table of live figures per method, and charts
 * of p99 latency and delivery rate over time, so the point where a method breaks down shows.
 */
import { ApiError, setLabRate } from '../net/api.js';
import type { LinkState } from '../net/live-connection.js';
import { h, setText } from '../ui/dom.js';
import { formatBytes, formatCount, formatLatency } from '../ui/format.js';
import { toast } from '../ui/toast.js';
import type { LabChannel } from './lab-channel.js';
import { METHOD_LABELS } from './lab-methods.js';
import { createLabChart } from './lab-chart.js';

export const RATES = [0, 1, 10, 50, 100, 250, 500, 1000, 2000, 5000] as const;

const STATE_TEXT: Record<LinkState, string> = { live: 'live', connecting: 'connecting', retrying: 'reconnecting', stopped: 'stopped' };
const COLUMNS = ['Method', 'State', 'Delivered / s', 'Latency p50', 'Latency p99', 'Received', 'Missed', 'HTTP requests', 'Bytes / message'];

interface RowCells {
  state: HTMLElement;
  rate: HTMLElement;
  p50: HTMLElement;
  p99: HTMLElement;
  received: HTMLElement;
  missed: HTMLElement;
  requests: HTMLElement;
  bytes: HTMLElement;
}

export interface LabView {
  el: HTMLElement;
  /** Redraws every figure; call once a second after the stats rolled. */
  render(): void;
  /** Shows the hub's publishing state, as `GET`/`POST /api/lab/rate` report it. */
  showRate(rate: number, sent: number): void;
}

export function createLabView(channels: readonly LabChannel[], onReset: () => void): LabView {
  const rateNow = h('span', { class: 'rate-now' });
  const rateButtons = RATES.map((rate) =>
    h('button', {
      class: 'seg',
      text: rate === 0 ? 'Stop' : formatCount(rate),
      attrs: { type: 'button', 'data-rate': String(rate), 'aria-pressed': 'false' },
      on: {
        click: () => {
          setLabRate(rate).then(
            () => view.showRate(rate, -1),
            (err: unknown) => toast('The publishing rate was not changed', err instanceof ApiError ? err.message : 'network error', 'error'),
          );
        },
      },
    }),
  );
  const cells = new Map<LabChannel, RowCells>();
  const rows = channels.map((ch, i) => {
    const c: RowCells = { state: h('td'), rate: h('td', { class: 'num' }), p50: h('td', { class: 'num' }), p99: h('td', { class: 'num' }), received: h('td', { class: 'num' }), missed: h('td', { class: 'num' }), requests: h('td', { class: 'num' }), bytes: h('td', { class: 'num' }) };
    cells.set(ch, c);
    const name = h('th', { text: METHOD_LABELS[ch.method], attrs: { scope: 'row' } });
    // The swatch matches the method's line on the charts.
    name.style.setProperty('--swatch', `var(--series-${i + 1})`);
    return h('tr', { attrs: { 'data-method': ch.method } }, name, c.state, c.rate, c.p50, c.p99, c.received, c.missed, c.requests, c.bytes);
  });
  const latency = createLabChart('Delivery latency p99', (v) => (v >= 1000 ? `${+(v / 1000).toPrecision(3)} s` : `${+v.toPrecision(3)} ms`), true);
  const delivered = createLabChart('Delivered per second', (v) => formatCount(v), false);

  const el = h(
    'div',
    { class: 'lab' },
    h(
      'section',
      { class: 'panel lab-intro' },
      h('h1', { text: 'Transport lab' }),
      h('p', { class: 'muted', text: 'Eight subscribers watch the same topic, lab/tick, at once: the hub’s seven push methods and MQTT over WebSocket. Turn the publishing rate up and watch where each one breaks down. Latency runs from the hub receiving a tick to this page handling it.' }),
      h(
        'div',
        { class: 'rate-row' },
        h('span', { class: 'field-label', text: 'Publishing rate (messages / s)' }),
        h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Publishing rate' } }, ...rateButtons),
        rateNow,
        h('button', { class: 'button button-quiet', text: 'Reset figures', attrs: { type: 'button' }, on: { click: onReset } }),
      ),
    ),
    h(
      'section',
      { class: 'panel lab-table-panel' },
      h('div', { class: 'table-scroll' }, h('table', { class: 'lab-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((t) => h('th', { text: t, attrs: { scope: 'col' } })))), h('tbody', {}, ...rows))),
    ),
    h('section', { class: 'lab-charts' }, h('div', { class: 'panel' }, latency.el), h('div', { class: 'panel' }, delivered.el)),
  );

  const view: LabView = {
    el,
    render() {
      const p99s: (number | null)[] = [];
      const rates: (number | null)[] = [];
      for (const ch of channels) {
        const c = cells.get(ch) as RowCells;
        const f = ch.stats.figures();
        const state = ch.state();
        c.state.dataset.state = state;
        setText(c.state, STATE_TEXT[state]);
        setText(c.rate, formatCount(f.perSecond));
        setText(c.p50, formatLatency(f.p50));
        setText(c.p99, formatLatency(f.p99));
        setText(c.received, formatCount(f.received));
        setText(c.missed, formatCount(f.missed));
        c.missed.classList.toggle('is-bad', f.missed > 0);
        setText(c.requests, formatCount(f.requests));
        setText(c.bytes, f.bytesPerMessage === null ? '—' : formatBytes(f.bytesPerMessage));
        p99s.push(f.p99);
        rates.push(f.perSecond);
      }
      const now = Date.now();
      latency.push(now, p99s);
      delivered.push(now, rates);
    },
    showRate(rate, sent) {
      rateButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.rate === String(rate))));
      setText(rateNow, rate === 0 ? 'Publishing is off.' : `Publishing ${formatCount(rate)} / s${sent >= 0 ? ` · ${formatCount(sent)} sent` : ''}`);
    },
  };
  return view;
}
