// Sign in: a token the server accepts, pasted (one from `synclog token`), or handed over by an
// identity provider's redirect as `#access_token=...`. The server checks it before it is kept.

import { h } from '../dom.js';

export function signInScreen(onToken: (token: string) => Promise<string>): { title: string; body: HTMLElement } {
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert' });
  const input = h('textarea', { id: 'token', name: 'token', rows: 4, required: true, autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': 'token-help signin-error' });
  const form = h('form', { class: 'card', novalidate: true },
    h('label', { for: 'token' }, 'Access token'),
    input,
    h('p', { id: 'token-help', class: 'help' },
      'A token from your identity provider, or for a test server one from ',
      h('code', {}, 'synclog token --user <you>'), '.'),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const problem = await onToken(input.value.trim());
    if (problem) {
      error.textContent = problem;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  return { title: 'Sign in', body: h('section', {}, h('p', {}, 'Sign in to see your team\'s spaces on this device. ' +
    'Everything you enter is kept here and synced when there is a network.'), form) };
}
