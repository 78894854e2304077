/** Shown when the hub has a users file and this browser has no session yet. */
import { ApiError, login } from '../net/api.js';
import { h, setText } from '../ui/dom.js';

export function mountLogin(root: HTMLElement): void {
  const name = h('input', { class: 'text-input', attrs: { type: 'text', autocomplete: 'username', required: '' } });
  const password = h('input', { class: 'text-input', attrs: { type: 'password', autocomplete: 'current-password', required: '' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { class: 'button button-primary', text: 'Sign in', attrs: { type: 'submit' } });
  const form = h(
    'form',
    { class: 'login panel' },
    h('h1', { text: 'Sign in to fleetwire' }),
    h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'User' }), name),
    h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Password' }), password),
    submit,
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    login(name.value, password.value).then(
      () => window.location.reload(),
      (err: unknown) => {
        submit.disabled = false;
        setText(error, err instanceof ApiError && err.status === 401 ? 'That user and password do not match.' : err instanceof Error ? err.message : 'Sign-in failed.');
      },
    );
  });
  root.replaceChildren(h('div', { class: 'login-page' }, form));
  name.focus();
}
