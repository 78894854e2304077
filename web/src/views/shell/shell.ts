/** The frame around every page: brand, navigation, connection, theme, and the page itself. */
import type { App } from '../../app/app-state.js';
import { h, setAttr, setText } from '../../ui/dom.js';
import type { Route } from '../../ui/router.js';
import { themeToggle } from '../../ui/theme.js';
import { createLinkIndicator } from './link-indicator.js';

export interface Shell {
  main: HTMLElement;
  setRoute(route: Route): void;
}

export function createShell(app: App, root: HTMLElement): Shell {
  const badge = h('span', { class: 'nav-badge', attrs: { 'aria-label': 'alerts firing' } });
  const links = {
    overview: h('a', { class: 'nav-link', text: 'Fleet', attrs: { href: '#/' } }),
    events: h('a', { class: 'nav-link', attrs: { href: '#/events' } }, 'Events & alerts', badge),
  };
  const main = h('main', { class: 'main', attrs: { id: 'main', tabindex: '-1' } });
  root.replaceChildren(
    h('a', { class: 'skip-link', text: 'Skip to content', attrs: { href: '#main' } }),
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', attrs: { href: '#/', 'aria-label': 'fleetwire home' } }, h('img', { attrs: { src: '/favicon.svg', alt: '', width: '24', height: '24' } }), h('span', { text: 'fleetwire' })),
      h('nav', { class: 'nav', attrs: { 'aria-label': 'Main' } }, links.overview, links.events, h('a', { class: 'nav-link', text: 'Transport lab', attrs: { href: '/lab' } })),
      h('div', { class: 'topbar-end' }, createLinkIndicator(app), themeToggle()),
    ),
    main,
  );
  // The skip link targets the main element without changing the route.
  root.querySelector('.skip-link')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });

  const renderBadge = (): void => {
    const n = app.alerts.firing().length;
    badge.hidden = n === 0;
    setText(badge, String(n));
  };
  app.bus.on('alert', renderBadge);
  renderBadge();

  return {
    main,
    setRoute(route) {
      setAttr(links.overview, 'aria-current', route.name === 'overview' || route.name === 'device' ? 'page' : null);
      setAttr(links.events, 'aria-current', route.name === 'events' ? 'page' : null);
    },
  };
}
