/**
 * The device's event log: stored events from `GET /api/events`, then live ones (hot-plug,
 * sags, rejects, coming and going), merged by seq so the seam has no duplicate.
 */
import type { App } from '../../app/app-state.js';
import { fetchEvents } from '../../net/api.js';
import { EventFeed, feedItemOf, type FeedItem } from '../../state/event-feed.js';
import { h } from '../../ui/dom.js';
import { formatTime } from '../../ui/format.js';
import { cancelFrame, onNextFrame } from '../../ui/frame.js';

/** Stored events fetched on open, and rows kept. */
const LIMIT = 100;

/** Feed rows by item, built once each: re-rendering a list then only moves existing nodes. */
export function feedRows(withDevice: boolean): (item: FeedItem) => HTMLLIElement {
  const built = new WeakMap<FeedItem, HTMLLIElement>();
  return (item) => {
    let row = built.get(item);
    if (!row) {
      row = feedRow(item, withDevice);
      built.set(item, row);
    }
    return row;
  };
}

function feedRow(item: FeedItem, withDevice: boolean): HTMLLIElement {
  return h(
    'li',
    { class: `feed-item sev-${item.severity} cat-${item.category}` },
    h('time', { class: 'feed-time', text: formatTime(item.ts), attrs: { datetime: new Date(item.ts).toISOString() } }),
    h('span', { class: 'feed-cat', text: item.category }),
    withDevice && item.device ? h('a', { class: 'feed-device', text: item.device, attrs: { href: `#/device/${encodeURIComponent(item.device)}` } }) : null,
    h('span', { class: 'feed-title', text: item.title }),
    item.detail ? h('span', { class: 'feed-detail muted', text: item.detail }) : null,
  );
}

export function createEventLog(app: App, device: string): { el: HTMLElement; destroy(): void } {
  const frameKey = {};
  const log = new EventFeed(LIMIT);
  const list = h('ol', { class: 'feed' });
  const note = h('p', { class: 'muted' });
  const el = h('section', { class: 'panel panel-events', attrs: { 'aria-labelledby': 'events-title' } }, h('h2', { text: 'Event log', attrs: { id: 'events-title' } }), note, list);

  const rowOf = feedRows(false);
  let emptyText = 'Loading events…';
  const render = (): void => {
    list.replaceChildren(...log.list().map(rowOf));
    note.hidden = log.list().length > 0;
    note.textContent = emptyText;
  };
  const schedule = (): void => onNextFrame(frameKey, render);

  const offFeed = app.bus.on('feed', (item) => {
    if (item.device === device && log.add(item)) schedule();
  });
  for (const item of app.feed.list()) if (item.device === device) log.add(item);
  fetchEvents(device, LIMIT).then(
    (stored) => {
      for (const msg of stored) {
        const item = feedItemOf(msg);
        if (item) log.add(item);
      }
      emptyText = 'No events from this device yet.';
      schedule();
    },
    () => {
      emptyText = 'Stored events could not be loaded; new ones appear as they happen.';
      schedule();
    },
  );
  schedule();
  return {
    el,
    destroy() {
      offFeed();
      cancelFrame(frameKey);
    },
  };
}
