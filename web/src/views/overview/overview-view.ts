/**
 * Fleet overview: headline figures, a filter, and the live table. Messages only mark devices
 * as changed; the table is drawn at most once per animation frame, and re-sorted at most every
 * RESORT_MS while values stream in so rows do not jump under the reader's eye.
 */
import type { App } from '../../app/app-state.js';
import { DEFAULT_QUERY, queryFleet, summarize, type FleetQuery, type SortKey } from '../../state/fleet-query.js';
import type { DeviceRow } from '../../state/fleet-store.js';
import { h, setAttr, setText } from '../../ui/dom.js';
import { formatCount, formatReading } from '../../ui/format.js';
import { cancelFrame, onNextFrame } from '../../ui/frame.js';
import type { View } from '../view.js';
import { createDeviceTable } from './device-table.js';

const RESORT_MS = 2000;
/** Headline figures are recomputed at most this often while values stream in. */
const STATS_MS = 500;

/** Kept across visits to the overview within one page load. */
let query: FleetQuery = { ...DEFAULT_QUERY };

function stat(label: string): { el: HTMLElement; value: HTMLElement; note: HTMLElement } {
  const value = h('span', { class: 'stat-value', text: '—' });
  const note = h('span', { class: 'stat-note' });
  return { el: h('div', { class: 'stat' }, h('span', { class: 'stat-label', text: label }), value, note), value, note };
}

export function mountOverview(app: App): View {
  const frameKey = {};
  const stats = { total: stat('Devices'), online: stat('Online'), offline: stat('Offline'), temp: stat('Mean temperature'), rate: stat('Messages / s'), alerts: stat('Alerts firing') };
  const filter = h('input', {
    class: 'filter',
    attrs: { type: 'search', placeholder: 'Filter by id, model, firmware, peripheral', 'aria-label': 'Filter devices', 'aria-keyshortcuts': '/' },
  });
  filter.value = query.text;
  const stateButtons = (['all', 'online', 'offline'] as const).map((s) =>
    h('button', { class: 'seg', text: s[0]?.toUpperCase() + s.slice(1), attrs: { type: 'button', 'aria-pressed': String(query.state === s) }, on: { click: () => setQuery({ state: s }) } }),
  );
  const shownCount = h('span', { class: 'muted shown-count', attrs: { 'aria-live': 'polite' } });
  const table = createDeviceTable(app, (key: SortKey) => setQuery(key === query.sort ? { descending: !query.descending } : { sort: key, descending: false }), () => schedule(false));
  const el = h(
    'section',
    { class: 'overview', attrs: { 'aria-labelledby': 'overview-title' } },
    h('h1', { class: 'visually-hidden', text: 'Fleet overview', attrs: { id: 'overview-title' } }),
    h('div', { class: 'stats' }, ...Object.values(stats).map((s) => s.el)),
    h('div', { class: 'toolbar' }, filter, h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Show' } }, ...stateButtons), shownCount),
    table.el,
  );

  let order: DeviceRow[] = [];
  let orderedAt = 0;
  let membership = -1;
  let reorder = true;
  let messages = 0;
  let lastMessages = 0;

  const frame = (): void => {
    const changes = app.fleet.takeChanges();
    const now = app.connection.hubNow();
    if (reorder || membership !== app.fleet.membership || (changes.size > 0 && Date.now() - orderedAt > RESORT_MS)) {
      order = queryFleet(app.fleet.devices.values(), query);
      orderedAt = Date.now();
      membership = app.fleet.membership;
      reorder = false;
      table.render(order, 'all', now);
    } else table.render(order, changes, now);
    if (Date.now() - statsAt > STATS_MS) renderStats();
    setText(shownCount, order.length === app.fleet.devices.size ? `${formatCount(order.length)} devices` : `Showing ${formatCount(order.length)} of ${formatCount(app.fleet.devices.size)}`);
  };

  const schedule = (resort: boolean): void => {
    reorder ||= resort;
    onNextFrame(frameKey, frame);
  };

  function setQuery(patch: Partial<FleetQuery>): void {
    query = { ...query, ...patch };
    stateButtons.forEach((b, i) => setAttr(b, 'aria-pressed', String(['all', 'online', 'offline'][i] === query.state)));
    table.setSort(query);
    schedule(true);
  }

  let statsAt = 0;
  const renderStats = (): void => {
    statsAt = Date.now();
    const s = summarize(app.fleet.devices.values());
    setText(stats.total.value, formatCount(s.total));
    setText(stats.online.value, formatCount(s.online));
    setText(stats.online.note, s.total > 0 ? `${Math.round((s.online / s.total) * 100)} %` : '');
    setText(stats.offline.value, formatCount(s.total - s.online));
    setText(stats.temp.value, formatReading('temperature', s.meanTemperature));
    setText(stats.rate.value, formatCount(lastMessages));
    const firing = app.alerts.firing().length;
    setText(stats.alerts.value, formatCount(firing));
    stats.alerts.el.classList.toggle('is-alarm', firing > 0);
  };

  filter.addEventListener('input', () => setQuery({ text: filter.value }));
  const onSlash = (ev: KeyboardEvent): void => {
    const target = ev.target as HTMLElement | null;
    if (ev.key !== '/' || target?.closest('input, textarea, select')) return;
    ev.preventDefault();
    filter.focus();
  };
  document.addEventListener('keydown', onSlash);
  const offs = [
    app.bus.on('message', (msg) => {
      messages++;
      if (msg.device !== null) schedule(false);
    }),
    app.bus.on('snapshot', () => schedule(true)),
    app.bus.on('commands', (device) => {
      app.fleet.touch(device);
      schedule(false);
    }),
    app.bus.on('alert', renderStats),
  ];
  const timer = setInterval(() => {
    lastMessages = messages;
    messages = 0;
    table.tick(app.connection.hubNow());
    renderStats();
  }, 1000);

  table.setSort(query);
  renderStats();
  schedule(true);
  return {
    el,
    title: 'Fleet',
    destroy() {
      clearInterval(timer);
      cancelFrame(frameKey);
      document.removeEventListener('keydown', onSlash);
      for (const off of offs) off();
    },
  };
}
