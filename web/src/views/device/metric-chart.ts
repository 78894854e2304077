/**
 * One metric's chart (uPlot on canvas): the average as a line inside its min/max band, a
 * header with the latest value (or the value under the cursor), drag to zoom, and a table of
 * the newest buckets for keyboard and screen-reader users, who cannot read a canvas.
 */
import uPlot from 'uplot';
import type { MetricSeries } from '../../state/metric-series.js';
import { h, setText } from '../../ui/dom.js';
import { formatReading, formatTime, metricLabel, unitOf } from '../../ui/format.js';
import { cssVar, onThemeChange } from '../../ui/theme.js';

const HEIGHT = 180;
/** Rows in the accessible table of recent values. */
const TABLE_ROWS = 30;

export interface MetricChart {
  el: HTMLElement;
  /** Redraws from the series with the x range [from, to]. */
  draw(from: number, to: number): void;
  destroy(): void;
}

export interface ChartOptions {
  metric: string;
  series: MetricSeries;
  /** Charts with the same key share a cursor. */
  syncKey: string;
  /** The user dragged out [from, to]. */
  onZoom(from: number, to: number): void;
  /** Where the raw readings of [from, to) download as CSV. */
  csvUrl(from: number, to: number): string;
}

function chartOptions(o: ChartOptions, width: number, onCursor: (u: uPlot) => void): uPlot.Options {
  const line = cssVar('--chart-line');
  const axis = { stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--chart-grid'), width: 1 }, ticks: { stroke: cssVar('--chart-grid'), width: 1 } };
  return {
    width,
    height: HEIGHT,
    ms: 1,
    legend: { show: false },
    cursor: { sync: { key: o.syncKey }, drag: { x: true, y: false, setScale: false }, points: { size: 7, fill: line } },
    scales: { x: { time: true } },
    axes: [axis, { ...axis, size: 56, values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(2)}`) }],
    series: [
      {},
      // uPlot's default shows dots only where points are sparse, so a lone bucket is still visible.
      { label: o.metric, stroke: line, width: 2, points: { size: 6, fill: line } },
      { label: 'min', stroke: 'transparent', points: { show: false } },
      { label: 'max', stroke: 'transparent', points: { show: false } },
    ],
    bands: [{ series: [3, 2], fill: cssVar('--chart-band') }],
    hooks: {
      setCursor: [onCursor],
      setSelect: [
        (u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          o.onZoom(Math.floor(from), Math.ceil(to));
        },
      ],
    },
  };
}

export function createMetricChart(o: ChartOptions): MetricChart {
  const value = h('span', { class: 'chart-value' });
  const detail = h('span', { class: 'chart-detail muted' });
  const plotBox = h('div', { class: 'chart-plot' });
  const tableBody = h('tbody');
  const details = h(
    'details',
    { class: 'chart-table' },
    h('summary', { text: 'Recent values' }),
    h(
      'table',
      {},
      h('caption', { class: 'visually-hidden', text: `Recent ${o.metric} buckets, newest first` }),
      h('thead', {}, h('tr', {}, ...['Time', 'Average', 'Min', 'Max', 'Readings'].map((t) => h('th', { text: t, attrs: { scope: 'col' } })))),
      tableBody,
    ),
  );
  const download = h('a', { class: 'chart-download', text: 'Download CSV', attrs: { download: '', title: `Raw ${o.metric} readings of the range shown, as CSV` } });
  const unit = unitOf(o.metric);
  const el = h(
    'figure',
    { class: 'chart', attrs: { 'data-metric': o.metric } },
    h('figcaption', { class: 'chart-head' }, h('span', { class: 'chart-title', text: unit ? `${metricLabel(o.metric)} (${unit})` : metricLabel(o.metric) }), value, detail, download),
    plotBox,
    details,
  );

  let plot: uPlot | null = null;
  let range: [number, number] = [0, 1];

  const showHeader = (u: uPlot | null): void => {
    const idx = u?.cursor.idx;
    const data = u?.data;
    if (u && data && idx !== null && idx !== undefined && data[1]?.[idx] != null) {
      setText(value, formatReading(o.metric, data[1][idx]));
      setText(detail, `${formatTime(data[0][idx] as number)} · min ${formatReading(o.metric, data[2]?.[idx])} · max ${formatReading(o.metric, data[3]?.[idx])}`);
      return;
    }
    const [latest] = o.series.latest(1);
    setText(value, latest ? formatReading(o.metric, latest.sum / latest.count) : '—');
    setText(detail, latest ? `at ${formatTime(latest.t)}` : 'no data in this range');
  };

  const renderTable = (): void => {
    if (!details.open) return;
    tableBody.replaceChildren(
      ...o.series.latest(TABLE_ROWS).map((b) =>
        h('tr', {}, h('td', { text: formatTime(b.t) }), h('td', { text: formatReading(o.metric, b.sum / b.count) }), h('td', { text: formatReading(o.metric, b.min) }), h('td', { text: formatReading(o.metric, b.max) }), h('td', { text: String(b.count) })),
      ),
    );
  };
  details.addEventListener('toggle', renderTable);

  const columns = (): uPlot.AlignedData => {
    const c = o.series.columns();
    return [c.x, c.avg, c.min, c.max];
  };

  const build = (): void => {
    plot?.destroy();
    const width = Math.max(200, plotBox.clientWidth);
    plot = new uPlot(chartOptions(o, width, (u) => showHeader(u)), columns(), plotBox);
    plot.setScale('x', { min: range[0], max: range[1] });
  };

  const resize = new ResizeObserver(() => {
    const width = Math.max(200, plotBox.clientWidth);
    if (plot && plot.width !== width) plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(plotBox);
  const offTheme = onThemeChange(build);

  return {
    el,
    draw(from, to) {
      range = [from, to];
      download.setAttribute('href', o.csvUrl(Math.floor(from), Math.ceil(to)));
      if (!plot) {
        if (!plotBox.isConnected) return;
        build();
      }
      const u = plot as uPlot;
      u.batch(() => {
        u.setData(columns(), false);
        u.setScale('x', { min: from, max: to });
      });
      showHeader(u);
      renderTable();
    },
    destroy() {
      resize.disconnect();
      offTheme();
      plot?.destroy();
      plot = null;
    },
  };
}
