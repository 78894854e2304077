/** The device page: who it is and how it is, its charts, controls, commands, ports and events. */
import type { App } from '../../app/app-state.js';
import { fetchCommands, fetchRetention } from '../../net/api.js';
import { COMMANDS_PER_DEVICE } from '../../state/command-log.js';
import type { DeviceRow } from '../../state/fleet-store.js';
import { clear, h, pill, setText } from '../../ui/dom.js';
import { formatAgo, formatDateTime, formatDuration } from '../../ui/format.js';
import { cancelFrame, onNextFrame } from '../../ui/frame.js';
import type { View } from '../view.js';
import { createFiringList } from '../alerts/firing-list.js';
import { createChartPanel } from './chart-panel.js';
import { createCommandList } from './command-list.js';
import { createControlPanel } from './control-panel.js';
import { createEventLog } from './event-log.js';
import { createSourcePanel } from './source-panel.js';

function portsPanel(): { el: HTMLElement; update(row: DeviceRow | undefined): void } {
  const grid = h('ul', { class: 'port-map' });
  const el = h('section', { class: 'panel', attrs: { 'aria-labelledby': 'ports-title' } }, h('h2', { text: 'Ports', attrs: { id: 'ports-title' } }), grid);
  let key = '';
  return {
    el,
    update(row) {
      const ports = row?.ports ?? null;
      el.hidden = ports === null;
      const entries = ports ? Object.entries(ports).sort(([a], [b]) => Number(a) - Number(b)) : [];
      const next = JSON.stringify(entries);
      if (next === key) return;
      key = next;
      clear(grid);
      for (const [port, peripheral] of entries) {
        grid.append(h('li', { class: peripheral ? 'port-slot is-used' : 'port-slot' }, h('span', { class: 'port-no', text: `Port ${port}` }), h('span', { class: 'port-what', text: peripheral ?? 'empty' })));
      }
    },
  };
}

export function mountDevice(app: App, device: string): View {
  const frameKey = {};
  const state = h('span', { class: 'device-state' });
  const facts = h('p', { class: 'device-facts muted' });
  const retention = h('p', { class: 'device-retention muted' });
  const unknown = h('p', { class: 'panel-note', text: 'The hub has not heard from this device yet. This page fills in as soon as it does.' });
  const charts = createChartPanel(app, device);
  const controls = createControlPanel(app, device);
  const commands = createCommandList();
  const firing = createFiringList(app, device);
  const alertsPanel = h('section', { class: 'panel panel-device-alerts', attrs: { 'aria-labelledby': 'device-alerts-title' } }, h('h2', { text: 'Alerts', attrs: { id: 'device-alerts-title' } }), firing.el);
  const ports = portsPanel();
  const source = createSourcePanel();
  const events = createEventLog(app, device);
  const el = h(
    'article',
    { class: 'device-page' },
    h(
      'header',
      { class: 'device-head' },
      h('a', { class: 'back-link', text: '← Fleet', attrs: { href: '#/' } }),
      h('div', { class: 'device-title' }, h('h1', { text: device }), state),
      facts,
      retention,
    ),
    unknown,
    h('div', { class: 'device-grid' }, h('div', { class: 'device-main' }, charts.el, events.el), h('div', { class: 'device-side' }, source.el, alertsPanel, controls.el, ports.el, commands.el)),
  );

  const render = (): void => {
    const row = app.fleet.devices.get(device);
    unknown.hidden = row !== undefined;
    state.replaceChildren(row ? pill(row.online ? 'online' : 'offline', row.online ? 'ok' : 'bad') : pill('unknown', 'muted'));
    const now = app.connection.hubNow();
    setText(
      facts,
      row
        ? [row.model ?? 'unknown model', row.fw ? `firmware ${row.fw}` : null, `last seen ${formatAgo(row.lastSeen, now)}`, row.firstSeen > 0 ? `first seen ${formatDateTime(row.firstSeen)}` : null].filter(Boolean).join(' · ')
        : '',
    );
    controls.update(row, app.commands.firmwareJob(device));
    commands.update(app.commands.list(device));
    ports.update(row);
    source.update(row);
    firing.render();
  };
  const schedule = (): void => onNextFrame(frameKey, render);

  const offs = [
    app.bus.on('message', (msg) => {
      if (msg.device !== device) return;
      charts.onMessage(msg);
      schedule();
    }),
    app.bus.on('commands', (d) => d === device && schedule()),
    app.bus.on('alert', ({ alert }) => alert.device === device && schedule()),
    app.bus.on('snapshot', schedule),
  ];
  const timer = setInterval(schedule, 1000);
  const SOURCES: Record<string, string> = { device: 'set for this device', model: 'set for its model', default: 'the hub’s default' };
  fetchRetention(device).then(
    (r) => setText(retention, r ? `Raw readings kept ${r.rawMs === 0 ? 'forever' : formatDuration(r.rawMs)} (${SOURCES[r.source] ?? r.source}); minute and hour summaries longer.` : ''),
    () => undefined,
  );
  fetchCommands(device, COMMANDS_PER_DEVICE).then(
    (stored) => {
      for (const view of stored) app.commands.restore(view);
      commands.note('No commands sent to this device yet.');
      schedule();
    },
    () => {
      commands.note('Past commands could not be loaded; new ones appear as they are sent.');
      schedule();
    },
  );
  render();
  return {
    el,
    title: device,
    destroy() {
      clearInterval(timer);
      cancelFrame(frameKey);
      for (const off of offs) off();
      charts.destroy();
      events.destroy();
    },
  };
}
