/** The transport lab's entry (`/lab`): one subscriber per method, figures redrawn each second. */
import { fetchLabRate } from '../net/api.js';
import { h } from '../ui/dom.js';
import { initTheme, themeToggle } from '../ui/theme.js';
import { createHubChannel, type LabChannel } from './lab-channel.js';
import { LAB_METHODS } from './lab-methods.js';
import { createLabView } from './lab-view.js';
import { createMqttChannel } from './mqtt-channel.js';

/** How often the page asks which rate is set: another viewer may change it. */
const RATE_POLL_MS = 5000;

initTheme();
const channels: LabChannel[] = LAB_METHODS.map((method) => (method === 'mqtt' ? createMqttChannel() : createHubChannel(method)));
const view = createLabView(channels, () => channels.forEach((ch) => ch.stats.reset()));

const root = document.getElementById('lab') ?? document.body;
root.replaceChildren(
  h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', attrs: { href: '/', 'aria-label': 'fleetwire dashboard' } }, h('img', { attrs: { src: '/favicon.svg', alt: '', width: '24', height: '24' } }), h('span', { text: 'fleetwire' })),
    h('nav', { class: 'nav', attrs: { 'aria-label': 'Main' } }, h('a', { class: 'nav-link', text: 'Dashboard', attrs: { href: '/' } }), h('a', { class: 'nav-link', text: 'Transport lab', attrs: { href: '/lab', 'aria-current': 'page' } })),
    h('div', { class: 'topbar-end' }, themeToggle()),
  ),
  h('main', { class: 'main', attrs: { id: 'main' } }, view.el),
);

const readRate = (): void => {
  fetchLabRate().then(
    (r) => view.showRate(r.rate, r.sent),
    () => undefined,
  );
};
readRate();
setInterval(readRate, RATE_POLL_MS);
setInterval(() => {
  for (const ch of channels) ch.stats.rollSecond();
  view.render();
}, 1000);
window.addEventListener('pagehide', () => channels.forEach((ch) => ch.close()));
