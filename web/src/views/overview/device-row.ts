/**
 * One recycled row of the fleet table. Rows are built once and pointed at whichever device
 * scrolls into their slot; every write goes through setText/setAttr so an unchanged cell
 * costs nothing, which is what keeps 1,000 devices at 1 Hz smooth.
 */
import type { App } from '../../app/app-state.js';
import type { DeviceRow } from '../../state/fleet-store.js';
import { clear, h, setAttr, setText, toggleClass } from '../../ui/dom.js';
import { formatAgo, formatDateTime, formatReading } from '../../ui/format.js';
import { sourceBadge } from '../device-source.js';
import { createLedSwitch, hasLed } from '../led-control.js';

/** Row height in px; the stylesheet's `.fleet-row` height must match. */
export const ROW_HEIGHT = 48;

/** Temperatures at or above this are highlighted. */
const HOT_C = 40;

export interface RowView {
  el: HTMLDivElement;
  link: HTMLAnchorElement;
  /** The device shown, null when the slot is unused. */
  device: string | null;
  index: number;
  update(row: DeviceRow, index: number, now: number): void;
  /** Refreshes only the relative "last seen" text. */
  tick(now: number): void;
}

const cell = (cls: string, ...children: (Node | string)[]): HTMLDivElement => h('div', { class: `cell ${cls}`, attrs: { role: 'cell' } }, ...children);

export function createRowView(app: App): RowView {
  const dot = h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } });
  const link = h('a', { class: 'device-link' });
  const state = h('span', { class: 'visually-hidden' });
  const model = h('span', { class: 'model' });
  const fw = h('span', { class: 'fw' });
  const source = h('span', { class: 'source-badge' });
  const problems = h('span', { class: 'problem-badge' });
  const seen = h('span', { class: 'seen' });
  const temp = h('span', { class: 'num' });
  const volt = h('span', { class: 'num' });
  const led = createLedSwitch(app);
  const noLed = h('span', { class: 'muted', text: '—' });
  const ledCell = cell('c-led');
  const ports = h('div', { class: 'ports' });
  const el = h(
    'div',
    { class: 'fleet-row', attrs: { role: 'row' } },
    cell('c-id', dot, link, state),
    cell('c-model', model, fw, source, problems),
    cell('c-seen', seen),
    cell('c-temp', temp),
    cell('c-volt', volt),
    ledCell,
    cell('c-ports', ports),
  );
  let lastSeen = 0;
  let portsKey = '';

  const view: RowView = {
    el,
    link,
    device: null,
    index: -1,
    update(row, index, now) {
      if (view.index !== index) {
        view.index = index;
        el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
        setAttr(el, 'aria-rowindex', String(index + 2));
      }
      if (view.device !== row.id) {
        view.device = row.id;
        setText(link, row.id);
        link.href = `#/device/${encodeURIComponent(row.id)}`;
      }
      toggleClass(el, 'is-offline', !row.online);
      toggleClass(dot, 'is-online', row.online);
      setText(state, row.online ? ' online' : ' offline');
      setText(model, row.model ?? 'unknown');
      setText(fw, row.fw ? `v${row.fw}` : '');
      const badge = sourceBadge(row.source);
      setText(source, badge);
      setAttr(source, 'title', badge ? `source: ${row.source}` : null);
      toggleClass(source, 'is-shown', badge !== '');
      setText(problems, row.problems.length > 0 ? `⚠ ${row.problems.length}` : '');
      setAttr(problems, 'title', row.problems.length > 0 ? row.problems.join('\n') : null);
      toggleClass(problems, 'is-shown', row.problems.length > 0);
      lastSeen = row.lastSeen;
      view.tick(now);
      const t = row.metrics.temperature?.value;
      setText(temp, formatReading('temperature', t));
      toggleClass(temp, 'is-hot', t !== undefined && t >= HOT_C);
      setText(volt, formatReading('voltage', row.metrics.voltage?.value));
      const showLed = hasLed(row);
      if (showLed) led.update(row);
      const ledChild = showLed ? led.el : noLed;
      if (ledCell.firstChild !== ledChild) ledCell.replaceChildren(ledChild);
      renderPorts(row);
    },
    tick(now) {
      setText(seen, formatAgo(lastSeen, now));
      setAttr(seen, 'title', lastSeen > 0 ? formatDateTime(lastSeen) : '');
    },
  };

  const renderPorts = (row: DeviceRow): void => {
    const entries = row.ports ? Object.entries(row.ports).sort(([a], [b]) => Number(a) - Number(b)) : [];
    const key = JSON.stringify(entries);
    if (key === portsKey) return;
    portsKey = key;
    clear(ports);
    if (entries.length === 0) ports.append(h('span', { class: 'muted', text: '—' }));
    for (const [port, peripheral] of entries) {
      const label = peripheral ? `Port ${port}: ${peripheral}` : `Port ${port}: empty`;
      ports.append(h('span', { class: peripheral ? 'port is-used' : 'port', text: port, attrs: { title: label, 'aria-label': label } }));
    }
  };

  return view;
}
