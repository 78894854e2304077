/**
 * The device page's charts and their shared time range. History comes from `GET /api/history`
 * for `[from, cut)` at a step that suits the range and the chart's width; live readings from
 * `cut` on are folded in by MetricSeries, so backfill and stream meet without a seam. Because
 * the connection resumes from its last seq after any outage, live readings have no gaps either.
 */
import type { HubMessage } from '../../../../protocol/message.js';
import type { App } from '../../app/app-state.js';
import { ApiError, exportUrl, fetchHistory } from '../../net/api.js';
import { MetricSeries, pickStep } from '../../state/metric-series.js';
import { readingsOf } from '../../../../protocol/readings.js';
import { h, setAttr, setText } from '../../ui/dom.js';
import { compareMetrics } from '../../ui/format.js';
import { cancelFrame, onNextFrame } from '../../ui/frame.js';
import { createMetricChart, type MetricChart } from './metric-chart.js';

const MINUTE = 60_000;
export const RANGES = [
  { label: '15 min', ms: 15 * MINUTE },
  { label: '1 h', ms: 60 * MINUTE },
  { label: '6 h', ms: 6 * 60 * MINUTE },
  { label: '24 h', ms: 24 * 60 * MINUTE },
  { label: '7 d', ms: 7 * 24 * 60 * MINUTE },
] as const;

/** The hub commits in groups (a few ms): history is read this long after the cut, then once more later. */
const FIRST_LOAD_MS = 1_000;
const SETTLED_LOAD_MS = 5_000;
const RETRY_MS = 5_000;
/** Buckets per chart: about one per two pixels, within bounds. */
const pointsFor = (width: number): number => Math.max(120, Math.min(800, Math.round(width / 2)));

export interface ChartPanel {
  el: HTMLElement;
  onMessage(msg: HubMessage): void;
  destroy(): void;
}

export function createChartPanel(app: App, device: string): ChartPanel {
  const frameKey = {};
  const series = new Map<string, MetricSeries>();
  const charts = new Map<string, MetricChart>();
  let span: number = RANGES[0].ms;
  /** A past window chosen by zooming; null follows live data. */
  let fixed: [number, number] | null = null;
  let cut: number | null = null;
  let loads: AbortController | null = null;

  const status = h('p', { class: 'panel-note muted', attrs: { role: 'status' } });
  const chartBox = h('div', { class: 'charts' });
  const rangeButtons = RANGES.map((r) => h('button', { class: 'seg', text: r.label, attrs: { type: 'button' }, on: { click: () => setRange(r.ms) } }));
  const liveButton = h('button', { class: 'seg seg-live', text: 'Live', attrs: { type: 'button' }, on: { click: () => setRange(span) } });
  const el = h(
    'section',
    { class: 'panel panel-charts', attrs: { 'aria-labelledby': 'charts-title' } },
    h('div', { class: 'panel-head' }, h('h2', { text: 'Readings', attrs: { id: 'charts-title' } }), h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Time range' } }, ...rangeButtons, liveButton)),
    h('p', { class: 'hint muted', text: 'Drag across a chart to zoom in.' }),
    chartBox,
    status,
  );

  const viewRange = (): [number, number] => {
    if (fixed) return fixed;
    const now = app.connection.hubNow();
    return [now - span, now];
  };

  const draw = (): void => {
    const [from, to] = viewRange();
    for (const [metric, chart] of charts) {
      if (!fixed) series.get(metric)?.trimBefore(from - span / 10);
      chart.draw(from, to);
    }
  };
  const scheduleDraw = (): void => onNextFrame(frameKey, draw);

  const ensureMetric = (metric: string): MetricSeries | null => {
    if (cut === null) return null;
    let s = series.get(metric);
    if (!s) {
      s = new MetricSeries(cut);
      series.set(metric, s);
      const chart = createMetricChart({ metric, series: s, syncKey: `device-${device}`, onZoom: (from, to) => zoom(from, to), csvUrl: (from, to) => exportUrl({ device, metric, from, to, format: 'csv' }) });
      charts.set(metric, chart);
      const names = [...charts.keys()].sort(compareMetrics);
      chartBox.replaceChildren(...names.map((n) => (charts.get(n) as MetricChart).el));
    }
    return s;
  };

  const load = (only?: string): void => {
    if (cut === null) return;
    if (!only) loads?.abort();
    const ctl = only && loads ? loads : new AbortController();
    loads = ctl;
    const [from, to] = viewRange();
    const step = pickStep(to - from, pointsFor(chartBox.clientWidth || 800));
    const alignedFrom = Math.floor(from / step) * step;
    const historyTo = Math.min(Math.ceil(to), cut);
    const metrics = only ? [only] : [...new Set([...Object.keys(app.fleet.devices.get(device)?.metrics ?? {}), ...series.keys()])];
    if (metrics.length === 0) setText(status, 'No readings from this device yet.');
    for (const metric of metrics) {
      const s = ensureMetric(metric) as MetricSeries;
      const until = fixed ? fixed[1] : Infinity;
      if (alignedFrom >= historyTo) {
        s.setHistory(step, [], until);
        continue;
      }
      fetchHistory({ device, metric, from: alignedFrom, to: historyTo, step }, ctl.signal).then(
        (body) => {
          if (ctl.signal.aborted) return;
          s.setHistory(body.step, body.points, until);
          setText(status, '');
          scheduleDraw();
        },
        (err: unknown) => {
          if (ctl.signal.aborted) return;
          setText(status, `History for ${metric} could not be loaded: ${err instanceof ApiError ? err.message : 'network error'}. Retrying…`);
          timers.push(setTimeout(() => !ctl.signal.aborted && load(metric), RETRY_MS));
        },
      );
    }
    scheduleDraw();
  };

  const showRange = (): void => {
    rangeButtons.forEach((b, i) => setAttr(b, 'aria-pressed', String(!fixed && RANGES[i]?.ms === span)));
    setAttr(liveButton, 'aria-pressed', String(!fixed));
    setText(liveButton, fixed ? 'Back to live' : 'Live');
  };

  function setRange(ms: number): void {
    span = ms;
    fixed = null;
    showRange();
    load();
  }

  function zoom(from: number, to: number): void {
    fixed = [from, to];
    showRange();
    load();
  }

  // The cut: readings the hub stamped before it come from history, the rest from the stream.
  const startCut = (): void => {
    cut = Math.floor(app.connection.hubNow()) + 1;
    for (const metric of Object.keys(app.fleet.devices.get(device)?.metrics ?? {})) ensureMetric(metric);
    timers.push(setTimeout(load, FIRST_LOAD_MS), setTimeout(load, SETTLED_LOAD_MS));
  };
  // Interval and timeout ids share one pool, so clearTimeout ends both kinds.
  const timers: ReturnType<typeof setTimeout>[] = [setInterval(() => !fixed && scheduleDraw(), 1000)];
  showRange();
  startCut();
  // The hub could not resume us: live readings may have a hole, so start over from a new cut.
  const offReset = app.bus.on('reset', () => {
    for (const chart of charts.values()) chart.destroy();
    charts.clear();
    series.clear();
    chartBox.replaceChildren();
    startCut();
  });

  return {
    el,
    onMessage(msg) {
      if (msg.device !== device || msg.kind !== 'telemetry') return;
      for (const { metric, value } of readingsOf(msg)) {
        const known = series.has(metric);
        const s = ensureMetric(metric);
        if (!s) continue;
        s.addLive(msg.ts, value);
        if (!known) load(metric);
      }
      scheduleDraw();
    },
    destroy() {
      offReset();
      for (const t of timers) clearTimeout(t);
      loads?.abort();
      cancelFrame(frameKey);
      for (const chart of charts.values()) chart.destroy();
    },
  };
}
