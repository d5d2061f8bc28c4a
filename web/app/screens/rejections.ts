// Edits the server refused, with what the person can do about each, their data kept: a
// reference to a record deleted since (choose another), a role that no longer allows it (ask a
// lead, or dismiss), a form the space has outgrown (open it in the current form), a value the
// schema refuses (fix it). "Edit again" opens the form with the refused values filled in.

import type { RejectionRow } from '../../client/index.js';
import { h, when } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';
import { show } from '../values.js';

const ADVICE: Record<string, string> = {
  reference: 'It points at a record that was deleted or does not exist. Choose another one and save it again.',
  permission: 'Your role in this space no longer allows this edit. Ask a lead to make it, or dismiss it.',
  'update-required': 'The space now needs a newer version of the form. Open it in the current form and save it again.',
  schema: 'The space\'s schema no longer has this type or field. Ask a lead, or dismiss it.',
  validation: 'A value is not accepted. Fix it and save it again.',
  revoked: 'You were removed from the space when this was sent.',
};

export async function rejectionsScreen(app: App, spaceId: string): Promise<Screen> {
  const rejections = await app.client.rejections(spaceId);
  const item = (r: RejectionRow) => {
    const retry = r.op === 'DELETE' ? null
      : h('a', { class: 'button', href: `#/space/${enc(spaceId)}/retry/${r.seq}` }, 'Edit again');
    return h('li', { class: 'card rejection', 'data-reason': r.reason },
      h('h2', {}, `${r.op === 'CREATE' ? 'New' : r.op === 'DELETE' ? 'Deleting' : 'Edit of'} ${r.type} ${r.id}`),
      h('p', { class: 'error' }, `Refused (${r.reason}${r.field ? `, ${r.field}` : ''}): ${r.message}`),
      h('p', {}, ADVICE[r.reason] ?? 'Fix it and save it again, or dismiss it.'),
      Object.keys(r.fields).length ? h('dl', { class: 'kept' }, h('div', {}, h('dt', {}, 'Your data (kept)'), h('dd', {})),
        Object.entries(r.fields).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, show(v))))) : null,
      h('p', { class: 'meta' }, `Refused at ${when(r.at)}`),
      h('div', { class: 'actions' }, retry,
        h('button', { type: 'button', onclick: async () => {
          await app.client.dismiss(r.seq!);
          app.notify('Dismissed', 'info');
          app.go(`#/space/${enc(spaceId)}/rejections`);
        } }, 'Dismiss')));
  };
  return {
    title: 'Refused edits',
    live: true,
    body: h('section', {},
      rejections.length ? h('ul', { class: 'cards' }, rejections.map(item))
        : h('p', { class: 'state ok' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Nothing was refused.'),
      h('a', { href: `#/space/${enc(spaceId)}` }, 'Back to the space')),
  };
}
