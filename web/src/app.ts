/** The dashboard's entry: state, the shell, and the page for the current route. */
import { createApp } from './app/app-state.js';
import { parseRoute } from './ui/router.js';
import { initTheme } from './ui/theme.js';
import { h } from './ui/dom.js';
import { toast } from './ui/toast.js';
import { mountDevice } from './views/device/device-view.js';
import { mountEvents } from './views/events/events-view.js';
import { settleIfDone } from './views/led-control.js';
import { mountLogin } from './views/login-view.js';
import { mountOverview } from './views/overview/overview-view.js';
import { createShell } from './views/shell/shell.js';
import type { View } from './views/view.js';

initTheme();
const root = document.getElementById('app') ?? document.body;
const app = createApp();
const shell = createShell(app, root);
app.bus.on('commands', (device) => settleIfDone(app, device));
app.bus.on('alert', ({ change, alert }) => {
  if (change === 'fired') toast(`${alert.device}: ${alert.name}`, `${alert.severity}${typeof alert.value === 'number' ? ` · value ${alert.value}` : ''}`, alert.severity === 'info' ? 'warn' : 'error');
});
app.bus.on('auth', () => {
  app.connection.close();
  mountLogin(root);
});

let view: View | null = null;

function show(): void {
  const route = parseRoute(window.location.hash);
  view?.destroy();
  view = null;
  shell.setRoute(route);
  switch (route.name) {
    case 'overview':
      view = mountOverview(app);
      break;
    case 'device':
      view = mountDevice(app, route.id);
      break;
    case 'events':
      view = mountEvents(app);
      break;
    case 'missing':
      shell.main.replaceChildren(h('section', { class: 'panel not-found' }, h('h1', { text: 'No such page' }), h('p', {}, 'Back to ', h('a', { text: 'the fleet', attrs: { href: '#/' } }), '.')));
      document.title = 'fleetwire';
      return;
  }
  shell.main.replaceChildren(view.el);
  document.title = `${view.title} · fleetwire`;
}

window.addEventListener('hashchange', () => {
  show();
  shell.main.focus({ preventScroll: true });
});
show();
