// Edits kept from spaces the person no longer belongs to: never dropped silently. They can be
// exported as JSON (to hand to a lead) and then discarded.

import { h, when } from '../dom.js';
import type { App, Screen } from '../shell.js';
import { show } from '../values.js';

export async function quarantineScreen(app: App): Promise<Screen> {
  const rows = await app.client.quarantine();
  const exportJson = () => {
    const blob = new Blob([JSON.stringify(rows, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: 'synclog-quarantine.json' });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);   // after the download has started
  };
  return {
    title: 'Kept edits from spaces you left',
    live: true,
    body: h('section', {},
      rows.length ? h('ul', { class: 'cards' }, rows.map((q) => h('li', { class: 'card quarantined' },
        h('h2', {}, `${q.spaceName}: ${q.op === 'CREATE' ? 'new' : q.op === 'DELETE' ? 'deleting' : 'edit of'} ${q.type} ${q.id}`),
        h('dl', { class: 'kept' }, Object.entries(q.fields).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, show(v))))),
        h('p', { class: 'meta' }, `Captured ${when(q.capturedAt)}; kept ${when(q.at)}`))))
        : h('p', {}, 'Nothing is kept.'),
      rows.length ? h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: exportJson }, 'Export as JSON'),
        h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!confirm('Discard every kept edit? Export them first if anyone needs them.')) return;
          await app.client.discardQuarantine();
          app.go('#/spaces');
        } }, 'Discard all')) : null,
      h('a', { href: '#/spaces' }, 'Your spaces')),
  };
}
