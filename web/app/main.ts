// The inspectors' web app: signs the person in, opens their device database, routes between
// screens (in the URL's fragment, so every screen works offline from one cached page), shows
// the sync state and notifications, and registers the service worker that keeps the app
// itself available with no network at all.

import { SpaceAdmin, SyncClient, type SyncEvent } from '../client/index.js';
import { h, replace, when } from './dom.js';
import { conflictScreen, conflictsScreen } from './screens/conflicts.js';
import { importScreen } from './screens/import.js';
import { membersScreen } from './screens/members.js';
import { quarantineScreen } from './screens/quarantine.js';
import { recordScreen } from './screens/record.js';
import { rejectionsScreen } from './screens/rejections.js';
import { signInScreen } from './screens/signin.js';
import { spaceScreen } from './screens/space.js';
import { spacesScreen } from './screens/spaces.js';
import type { App, Screen } from './shell.js';

const TOKEN_KEY = 'synclog.token';
const main = document.getElementById('main') as HTMLElement;
const status = document.getElementById('sync-status') as HTMLElement;
const notices = document.getElementById('notices') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;

let app: App | null = null;
let current: Screen | null = null;
let redraw: ReturnType<typeof setTimeout> | null = null;

function notify(message: string, tone: 'info' | 'success' | 'warning' | 'error' = 'info'): void {
  const item = h('li', { class: `notice ${tone}` }, h('span', {}, message),
    h('button', { type: 'button', class: 'close', 'aria-label': 'Dismiss notification',
      onclick: () => item.remove() }, '×'));
  notices.appendChild(item);
  while (notices.children.length > 5) notices.firstElementChild!.remove();
  if (tone === 'success' || tone === 'info') setTimeout(() => item.remove(), 15_000);
}

function setStatus(kind: 'ok' | 'busy' | 'offline' | 'error', text: string): void {
  status.className = `sync-status ${kind}`;
  replace(status, kind === 'ok' ? h('span', { class: 'check', 'aria-hidden': 'true' }, '✓ ') : null, text);
}

function onEvent(e: SyncEvent): void {
  switch (e.kind) {
    case 'synced': setStatus('ok', `Synced ${when(Date.now())}`); break;
    case 'offline': setStatus('offline', e.message); break;
    case 'error': setStatus('error', e.message); notify(e.message, 'error'); break;
    case 'progress': setStatus('busy', `Pulling ${e.space}: ${e.message}`); break;
    case 'softMerged':
    case 'settled': notify(e.message, 'info'); break;
    case 'conflict': notify(e.message, 'warning'); break;
    case 'rejected':
    case 'update-required':
    case 'space-removed': notify(e.message, 'warning'); break;
    case 'space-added':
    case 'role-changed': notify(e.message, 'info'); break;
    default: break;
  }
  // A live screen is redrawn when sync changes it, unless the person is typing into it.
  if (current?.live && e.kind !== 'applied' && !main.dataset.typing) {
    if (redraw) clearTimeout(redraw);
    redraw = setTimeout(() => { redraw = null; void render(false); }, e.kind === 'progress' ? 300 : 50);
  }
}

async function route(a: App, hash: string): Promise<Screen> {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [head, spaceId, what, x, y] = parts;
  if (head === 'space' && spaceId) {
    if (!what) return spaceScreen(a, spaceId);
    if (what === 'type') return spaceScreen(a, spaceId, x);
    if (what === 'record') return recordScreen(a, spaceId, x, y === 'new' ? null : y);
    if (what === 'conflicts') return conflictsScreen(a, spaceId);
    if (what === 'conflict') return conflictScreen(a, spaceId, Number(x));
    if (what === 'rejections') return rejectionsScreen(a, spaceId);
    if (what === 'members') return membersScreen(a, spaceId);
    if (what === 'import') return importScreen(a, spaceId);
    if (what === 'retry') {
      const r = (await a.client.rejections(spaceId)).find((row) => row.seq === Number(x));
      if (r) return recordScreen(a, spaceId, r.type, r.id, r.fields, r.seq);
    }
  }
  if (head === 'quarantine') return quarantineScreen(a);
  return spacesScreen(a);
}

let renders = 0;

async function render(moveFocus = true): Promise<void> {
  if (!app) return;
  // Screens are built asynchronously: one started earlier (a redraw after a sync) must not
  // land on top of the screen the person has since moved to.
  const mine = ++renders;
  const hash = location.hash;
  const screen = await route(app, hash);
  if (mine !== renders) return;
  current = screen;
  const focused = document.activeElement?.id;
  replace(main, h('h1', { tabindex: -1, id: 'screen-title' }, screen.title), screen.body);
  main.dataset.route = hash;
  delete main.dataset.typing;
  document.title = `${screen.title} · synclog`;
  // A new screen is announced by moving focus to its title; a redraw keeps the person's place.
  if (moveFocus) (main.querySelector('h1') as HTMLElement).focus();
  else if (focused) document.getElementById(focused)?.focus();
}

async function startWith(token: string): Promise<void> {
  const client = await SyncClient.open({ token });
  const admin = new SpaceAdmin(client.api);
  app = {
    client, admin, notify,
    go: (hash) => { if (location.hash === hash) void render(); else location.hash = hash; },
    signOut: () => { client.stop(); localStorage.removeItem(TOKEN_KEY); location.hash = ''; location.reload(); },
  };
  client.on(onEvent);
  replace(account, h('span', { class: 'person' }, client.person),
    h('button', { type: 'button', id: 'sync-now', onclick: async (e: Event) => {
      // Busy until the round that covers this request has ended (one already running counts
      // only if it started after the click: sync() folds the request into a new round).
      const button = e.currentTarget as HTMLButtonElement;
      button.setAttribute('aria-busy', 'true');
      try { await client.sync(); } finally { button.removeAttribute('aria-busy'); }
    } }, 'Sync now'),
    h('button', { type: 'button', onclick: () => app?.signOut() }, 'Sign out'));
  const last = await client.lastSync();
  setStatus(navigator.onLine ? 'busy' : 'offline', navigator.onLine ? 'Syncing…' : `Offline · last synced ${when(last)}`);
  await render();
  client.start();
}

async function signIn(token: string): Promise<string> {
  if (!token) return 'Paste an access token.';
  try {
    const res = await fetch('/v1/spaces?mutationsSince=0&metadataOnly=true', {
      headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      const body = await res.json().catch(() => ({})) as { message?: string };
      return `The server does not accept this token: ${body.message ?? res.status}`;
    }
  } catch {
    // Offline: the token is kept and checked at the first sync.
  }
  try {
    localStorage.setItem(TOKEN_KEY, token);
    await startWith(token);
    location.hash = '#/spaces';
    return '';
  } catch (e) {
    localStorage.removeItem(TOKEN_KEY);
    return (e as Error).message;
  }
}

async function boot(): Promise<void> {
  // An identity provider's redirect hands the token over in the fragment: take it, and take it
  // out of the address bar and the history.
  const handed = /access_token=([^&]+)/.exec(location.hash);
  if (handed) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(handed[1]));
    history.replaceState(null, '', `${location.pathname}#/spaces`);
  }
  addEventListener('hashchange', () => void render());
  main.addEventListener('input', () => { main.dataset.typing = '1'; });
  // The skip link moves focus to the content; as a fragment it would be taken for a route.
  document.querySelector('a.skip')?.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  addEventListener('offline', () => setStatus('offline', 'Offline: your edits are kept on this device'));
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) {
    try {
      await startWith(token);
      return;
    } catch (e) {
      notify(`Sign in again: ${(e as Error).message}`, 'error');
    }
  }
  const screen = signInScreen(signIn);
  replace(main, h('h1', { tabindex: -1 }, screen.title), screen.body);
  setStatus('offline', 'Not signed in');
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((e) => console.warn('no offline support:', e));
}
void boot();
