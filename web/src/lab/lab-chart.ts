/** A live line chart of one figure per method over the last minutes (uPlot). */
import uPlot from 'uplot';
import { h } from '../ui/dom.js';
import { cssVar, onThemeChange } from '../ui/theme.js';
import { LAB_METHODS, METHOD_LABELS } from './lab-methods.js';

/** Seconds of history on the chart. */
const KEEP = 180;
const HEIGHT = 220;

export interface LabChart {
  el: HTMLElement;
  /** Appends one point per method (null: no figure this second) at time `t` (ms). */
  push(t: number, values: readonly (number | null)[]): void;
}

export function createLabChart(title: string, format: (v: number) => string, log: boolean): LabChart {
  const box = h('div', { class: 'lab-plot' });
  const el = h('figure', { class: 'lab-chart' }, h('figcaption', { text: title }), box);
  const data: (number | null)[][] = [[], ...LAB_METHODS.map(() => [])];
  let plot: uPlot | null = null;

  const build = (): void => {
    plot?.destroy();
    const axis = { stroke: cssVar('--fg-muted'), grid: { stroke: cssVar('--chart-grid'), width: 1 }, ticks: { stroke: cssVar('--chart-grid'), width: 1 } };
    plot = new uPlot(
      {
        width: Math.max(260, box.clientWidth),
        height: HEIGHT,
        ms: 1,
        scales: { x: { time: true }, y: log ? { distr: 3 } : { auto: true } },
        axes: [axis, { ...axis, size: 64, values: (_u, ticks) => ticks.map((v) => (v == null ? '' : format(v))) }],
        series: [{}, ...LAB_METHODS.map((m, i) => ({ label: METHOD_LABELS[m], stroke: cssVar(`--series-${i + 1}`), width: 2, spanGaps: false, points: { show: false } }))],
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data as uPlot.AlignedData,
      box,
    );
  };

  new ResizeObserver(() => {
    if (plot && plot.width !== Math.max(260, box.clientWidth)) plot.setSize({ width: Math.max(260, box.clientWidth), height: HEIGHT });
  }).observe(box);
  onThemeChange(build);

  return {
    el,
    push(t, values) {
      (data[0] as (number | null)[]).push(t);
      values.forEach((v, i) => data[i + 1]?.push(log && v !== null && v <= 0 ? null : v));
      if ((data[0] as number[]).length > KEEP) for (const column of data) column.shift();
      if (!plot) build();
      else plot.setData(data as uPlot.AlignedData);
    },
  };
}
