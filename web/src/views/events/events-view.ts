/** Events and alerts: the fleet's live feed with category filters, beside the alert rules. */
import type { App } from '../../app/app-state.js';
import type { FeedCategory } from '../../state/event-feed.js';
import { h, setAttr } from '../../ui/dom.js';
import { cancelFrame, onNextFrame } from '../../ui/frame.js';
import { feedRows } from '../device/event-log.js';
import type { View } from '../view.js';
import { createAlertPanel } from './alert-panel.js';

/** Feed rows in the DOM; the feed itself keeps more. */
const SHOWN = 200;

const FILTERS: { label: string; category: FeedCategory | null }[] = [
  { label: 'All', category: null },
  { label: 'Alerts', category: 'alert' },
  { label: 'Hot-plug', category: 'hotplug' },
  { label: 'Power', category: 'power' },
  { label: 'Rejects', category: 'reject' },
  { label: 'Status', category: 'status' },
  { label: 'Firmware', category: 'firmware' },
];

let chosen: FeedCategory | null = null;

export function mountEvents(app: App): View {
  const frameKey = {};
  const list = h('ol', { class: 'feed feed-live' });
  const empty = h('p', { class: 'muted', text: 'Waiting for events. Hot-plugs, power sags, rejected payloads and alerts show here as they happen.' });
  const buttons = FILTERS.map((f) =>
    h('button', {
      class: 'seg',
      text: f.label,
      attrs: { type: 'button' },
      on: {
        click: () => {
          chosen = f.category;
          schedule();
        },
      },
    }),
  );
  const alerts = createAlertPanel(app);
  const el = h(
    'div',
    { class: 'events-page' },
    h(
      'section',
      { class: 'panel panel-feed', attrs: { 'aria-labelledby': 'feed-title' } },
      h('div', { class: 'panel-head' }, h('h1', { text: 'Live events', attrs: { id: 'feed-title' } }), h('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Show' } }, ...buttons)),
      empty,
      list,
    ),
    alerts.el,
  );

  const rowOf = feedRows(true);
  const render = (): void => {
    buttons.forEach((b, i) => setAttr(b, 'aria-pressed', String(FILTERS[i]?.category === chosen)));
    const items = app.feed.list().filter((item) => chosen === null || item.category === chosen).slice(0, SHOWN);
    empty.hidden = items.length > 0;
    list.replaceChildren(...items.map(rowOf));
  };
  const schedule = (): void => onNextFrame(frameKey, render);
  const offs = [app.bus.on('feed', schedule), app.bus.on('alert', () => alerts.render()), app.bus.on('snapshot', () => alerts.render())];
  const timer = setInterval(() => alerts.render(), 5000);
  render();
  return {
    el,
    title: 'Events and alerts',
    destroy() {
      clearInterval(timer);
      cancelFrame(frameKey);
      for (const off of offs) off();
    },
  };
}
