/**
 * The fleet table, virtualised: only the rows in view (plus a few either side) exist in the
 * DOM, recycled as the list scrolls, so the cost of a frame depends on the screen, not on the
 * fleet. Arrow keys move between rows, scrolling the target into view first.
 */
import type { App } from '../../app/app-state.js';
import type { DeviceRow } from '../../state/fleet-store.js';
import { SORT_KEYS, type FleetQuery, type SortKey } from '../../state/fleet-query.js';
import { h, setAttr } from '../../ui/dom.js';
import { ROW_HEIGHT, createRowView, type RowView } from './device-row.js';

/** Rows rendered beyond each edge of the viewport, so a fast scroll does not show blank space. */
const OVERSCAN = 6;

const COLUMNS: { key: SortKey | null; label: string; cls: string }[] = [
  { key: 'id', label: 'Device', cls: 'c-id' },
  { key: 'model', label: 'Model', cls: 'c-model' },
  { key: 'lastSeen', label: 'Last seen', cls: 'c-seen' },
  { key: 'temperature', label: 'Temperature', cls: 'c-temp' },
  { key: 'voltage', label: 'Voltage', cls: 'c-volt' },
  { key: 'led', label: 'LED', cls: 'c-led' },
  { key: null, label: 'Ports', cls: 'c-ports' },
];

export interface DeviceTable {
  el: HTMLElement;
  /** Shows `rows` in this order; `changed` are devices whose values changed since the last call. */
  render(rows: readonly DeviceRow[], changed: ReadonlySet<string> | 'all', now: number): void;
  /** Refreshes relative times only. */
  tick(now: number): void;
  setSort(query: FleetQuery): void;
}

export function createDeviceTable(app: App, onSort: (key: SortKey) => void, requestRender: () => void): DeviceTable {
  const headCells = new Map<SortKey, HTMLElement>();
  const head = h('div', { class: 'fleet-row fleet-head', attrs: { role: 'row', 'aria-rowindex': '1' } });
  for (const col of COLUMNS) {
    const cellEl = h('div', { class: `cell ${col.cls}`, attrs: { role: 'columnheader' } });
    if (col.key === null) cellEl.textContent = col.label;
    else {
      const key = col.key;
      cellEl.append(h('button', { class: 'sort-button', text: col.label, attrs: { type: 'button' }, on: { click: () => onSort(key) } }));
      headCells.set(key, cellEl);
    }
    head.append(cellEl);
  }
  const canvas = h('div', { class: 'fleet-canvas', attrs: { role: 'rowgroup' } });
  const empty = h('p', { class: 'empty', text: 'No devices match.' });
  const body = h('div', { class: 'fleet-body', attrs: { tabindex: '-1' } }, canvas, empty);
  const el = h('div', { class: 'fleet-table', attrs: { role: 'table', 'aria-label': 'Devices' } }, h('div', { attrs: { role: 'rowgroup' } }, head), body);

  const pool: RowView[] = [];
  let shown: readonly DeviceRow[] = [];

  const visibleRange = (): [number, number] => {
    const first = Math.max(0, Math.floor(body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(shown.length - 1, Math.ceil((body.scrollTop + body.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    return [first, last];
  };

  const render: DeviceTable['render'] = (rows, changed, now) => {
    shown = rows;
    canvas.style.height = `${rows.length * ROW_HEIGHT}px`;
    setAttr(el, 'aria-rowcount', String(rows.length + 1));
    empty.hidden = rows.length > 0;
    const [first, last] = visibleRange();
    const needed = Math.max(0, last - first + 1);
    while (pool.length < needed) {
      const view = createRowView(app);
      pool.push(view);
      canvas.append(view.el);
    }
    for (let k = 0; k < pool.length; k++) {
      const view = pool[k] as RowView;
      const row = rows[first + k];
      view.el.hidden = k >= needed || row === undefined;
      if (view.el.hidden || !row) {
        view.index = -1;
        continue;
      }
      if (changed === 'all' || view.index !== first + k || view.device !== row.id || changed.has(row.id)) view.update(row, first + k, now);
    }
  };

  body.addEventListener('scroll', requestRender, { passive: true });
  body.addEventListener('keydown', (ev) => {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
    const step = moves[ev.key];
    const from = pool.find((v) => v.el.contains(document.activeElement));
    if (step === undefined || !from) return;
    ev.preventDefault();
    focusRow(Math.max(0, Math.min(shown.length - 1, from.index + step)));
  });

  const focusRow = (index: number): void => {
    const top = index * ROW_HEIGHT;
    if (top < body.scrollTop) body.scrollTop = top;
    else if (top + ROW_HEIGHT > body.scrollTop + body.clientHeight) body.scrollTop = top + ROW_HEIGHT - body.clientHeight;
    render(shown, 'all', app.connection.hubNow());
    pool.find((v) => v.index === index && !v.el.hidden)?.link.focus();
  };

  return {
    el,
    render,
    tick(now) {
      for (const view of pool) if (!view.el.hidden) view.tick(now);
    },
    setSort(query) {
      for (const key of SORT_KEYS) {
        const cellEl = headCells.get(key);
        if (cellEl) setAttr(cellEl, 'aria-sort', key === query.sort ? (query.descending ? 'descending' : 'ascending') : null);
      }
    },
  };
}
