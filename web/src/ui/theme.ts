/** Dark and light themes: the system's choice until the user picks one, then theirs. */
import { h } from './dom.js';
import { loadPref, savePref } from './preferences.js';

export type Theme = 'dark' | 'light';
const isTheme = (x: unknown): x is Theme => x === 'dark' || x === 'light';

const listeners = new Set<(theme: Theme) => void>();
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

export function currentTheme(): Theme {
  return isTheme(document.documentElement.dataset.theme) ? document.documentElement.dataset.theme : 'dark';
}

function apply(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  for (const fn of listeners) fn(theme);
}

/** Applies the remembered or system theme and follows system changes until the user chooses. */
export function initTheme(): void {
  const chosen = loadPref<Theme | null>('theme', isTheme, null);
  apply(chosen ?? (systemDark.matches ? 'dark' : 'light'));
  systemDark.addEventListener('change', (e) => {
    if (loadPref<Theme | null>('theme', isTheme, null) === null) apply(e.matches ? 'dark' : 'light');
  });
}

/** Charts draw on canvas and cannot use CSS variables directly: they re-read colours on a change. */
export function onThemeChange(fn: (theme: Theme) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** A CSS custom property of the current theme, e.g. `--accent`. */
export const cssVar = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function themeToggle(): HTMLButtonElement {
  const button = h('button', { class: 'icon-button theme-toggle', attrs: { type: 'button' } });
  const label = (): void => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    button.textContent = next === 'dark' ? '☾' : '☀';
    button.setAttribute('aria-label', `Switch to the ${next} theme`);
    button.title = `Switch to the ${next} theme`;
  };
  button.addEventListener('click', () => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    savePref('theme', next);
    apply(next);
  });
  onThemeChange(label);
  label();
  return button;
}
