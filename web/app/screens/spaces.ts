// The person's spaces with their sync state: synced or what waits (edits not yet sent,
// conflicts, refused edits, an update needed), when the space last synced, and a progress bar
// while its first pull runs. Also where a new space is created and quarantined edits surface.

import type { SpaceState } from '../../client/index.js';
import { h, when } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';

function stateLine(s: SpaceState): HTMLElement {
  const parts: string[] = [];
  if (s.pending) parts.push(`${s.pending} edit${s.pending === 1 ? '' : 's'} waiting to sync`);
  if (s.conflicts) parts.push(`${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}`);
  if (s.rejections) parts.push(`${s.rejections} refused`);
  if (!s.space.firstPullDone) parts.push('not pulled yet');
  const ok = parts.length === 0 && !s.space.lastError;
  return h('p', { class: `state ${ok ? 'ok' : 'attention'}`, 'data-testid': 'space-state' },
    ok ? h('span', { class: 'check', 'aria-hidden': 'true' }, '✓ ') : null,
    ok ? 'Synced' : parts.join(' · ') || 'Not synced');
}

export async function spacesScreen(app: App): Promise<Screen> {
  const states = await app.client.spaceStates();
  const quarantine = await app.client.quarantine();
  const list = h('ul', { class: 'cards', 'aria-label': 'Your spaces' }, states.map((s) =>
    h('li', { class: 'card space', 'data-space': s.space.spaceId },
      h('h2', {}, h('a', { href: `#/space/${enc(s.space.spaceId)}` }, s.space.name)),
      h('p', { class: 'meta' }, `Role: ${s.space.role} · Schema: ${s.space.schema}` +
        (s.space.schemaVersion ? ` v${s.space.schemaVersion}` : '')),
      stateLine(s),
      s.progress ? h('label', { class: 'progress' }, `First sync: ${s.progress.pulled} of ${s.progress.total} records`,
        h('progress', { max: Math.max(1, s.progress.total), value: s.progress.pulled })) : null,
      s.space.lastError ? h('p', { class: 'error' }, `Last attempt: ${s.space.lastError}`) : null,
      h('p', { class: 'meta' }, `Last synced: ${when(s.space.lastSyncMs)}`))));

  const name = h('input', { id: 'new-space-name', name: 'name', required: true, maxlength: 200 });
  const schema = h('input', { id: 'new-space-schema', name: 'schema', required: true, value: 'inspections' });
  const create = h('form', { class: 'card' },
    h('h2', {}, 'New space'),
    h('label', { for: 'new-space-name' }, 'Name'), name,
    h('label', { for: 'new-space-schema' }, 'Schema'), schema,
    h('button', { type: 'submit' }, 'Create space'));
  // The space's id is chosen here, once: a retry after a lost answer, or a second click, asks
  // for the same space (409 if taken) instead of making two.
  const spaceId = `space-${crypto.randomUUID().slice(0, 8)}`;
  const button = create.querySelector('button') as HTMLButtonElement;
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const id = await app.admin.createSpace(name.value.trim(), schema.value.trim(), spaceId);
      app.notify(`Created ${name.value.trim()}`, 'success');
      await app.client.sync();
      app.go(`#/space/${enc(id)}`);
    } catch (err) {
      app.notify(`Could not create the space: ${(err as Error).message}`, 'error');
    } finally {
      button.disabled = false;
    }
  });

  return {
    title: 'Your spaces',
    live: true,
    body: h('section', {},
      quarantine.length ? h('p', { class: 'notice warning', role: 'note' },
        `${quarantine.length} unsynced edit${quarantine.length === 1 ? ' was' : 's were'} kept from spaces you left. `,
        h('a', { href: '#/quarantine' }, 'See them')) : null,
      states.length ? list : h('p', {}, 'You belong to no space yet. A lead can add you, or create one below.'),
      create),
  };
}
