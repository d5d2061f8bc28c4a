// One space: its types (captured data first, then master data) and the records of the chosen
// type as a list, each marked when an edit of it waits, clashes or was refused; links to the
// space's conflicts, refused edits, and, for leads and owners, members and import.

import { mayWrite, type RecordRow } from '../../client/index.js';
import { h } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';
import { labelOf, show } from '../values.js';

export async function spaceScreen(app: App, spaceId: string, chosen?: string): Promise<Screen> {
  const space = await app.client.space(spaceId);
  const schema = await app.client.schemaOf(spaceId);
  if (!space) return { title: 'Space not found', body: h('p', {}, 'This device holds no such space. ', h('a', { href: '#/spaces' }, 'Your spaces')) };
  if (!schema) {
    return { title: space.name, live: true, body: h('p', { role: 'status' }, 'This space has not been pulled yet; it will be at the next sync.') };
  }
  const types = Object.entries(schema.types).sort(([, a], [, b]) => Number(!!a.masterData) - Number(!!b.masterData));
  const type = chosen && schema.types[chosen] ? chosen : types[0][0];
  const spec = schema.types[type];
  const [rows, queue, conflicts, rejections] = await Promise.all([app.client.records(spaceId, type),
    app.client.queue(spaceId), app.client.conflicts(spaceId), app.client.rejections(spaceId)]);
  const pending = new Set(queue.map((e) => `${e.type}/${e.id}`));
  const clashing = new Set(conflicts.map((c) => `${c.type}/${c.id}`));
  const lead = space.role === 'owner' || space.role === 'lead';
  const columns = Object.keys(spec.fields).slice(0, 3);

  const marker = (r: RecordRow) => {
    const key = `${r.type}/${r.id}`;
    if (clashing.has(key)) return h('span', { class: 'badge conflict' }, 'conflict');
    if (r.rejected) return h('span', { class: 'badge rejected' }, 'refused');
    if (pending.has(key)) return h('span', { class: 'badge pending' }, 'waiting to sync');
    return h('span', { class: 'badge synced' }, 'synced');
  };

  return {
    title: space.name,
    live: true,
    body: h('section', {},
      h('nav', { 'aria-label': 'This space', class: 'subnav' },
        h('a', { href: `#/space/${enc(spaceId)}/conflicts` }, `Conflicts (${conflicts.length})`),
        h('a', { href: `#/space/${enc(spaceId)}/rejections` }, `Refused edits (${rejections.length})`),
        lead ? h('a', { href: `#/space/${enc(spaceId)}/members` }, 'Members') : null,
        lead ? h('a', { href: `#/space/${enc(spaceId)}/import` }, 'Import master data') : null),
      h('nav', { 'aria-label': 'Record types', class: 'types' },
        h('ul', {}, types.map(([name, t]) => h('li', {},
          h('a', { href: `#/space/${enc(spaceId)}/type/${enc(name)}`, 'aria-current': name === type ? 'page' : null },
            name, t.masterData ? ' (master data)' : ''))))),
      h('h2', {}, `${type} records (${rows.length})`),
      mayWrite(spec, space.role)
        ? h('a', { class: 'button primary', href: `#/space/${enc(spaceId)}/record/${enc(type)}/new` }, `New ${type}`)
        : h('p', { class: 'help' }, `Your role (${space.role}) reads ${type} records but does not write them.`),
      rows.length ? h('table', { class: 'records' },
        h('caption', { class: 'visually-hidden' }, `${type} records`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Record'), columns.map((c) => h('th', { scope: 'col', class: 'wide' }, c)),
          h('th', { scope: 'col' }, 'State'))),
        h('tbody', {}, rows.slice(0, 500).map((r) => h('tr', { 'data-id': r.id },
          h('th', { scope: 'row' }, h('a', { href: `#/space/${enc(spaceId)}/record/${enc(type)}/${enc(r.id)}` }, labelOf(r))),
          columns.map((c) => h('td', { class: 'wide' }, show(r.data?.[c]))),
          h('td', {}, marker(r)))))) : h('p', {}, `No ${type} records on this device.`),
      rows.length > 500 ? h('p', { class: 'help' }, `Showing the first 500 of ${rows.length}.`) : null),
  };
}
