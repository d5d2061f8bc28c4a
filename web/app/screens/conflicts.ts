// Conflicts, and the screen that resolves one as the inspection thread describes it: the
// server's version with who changed it and when, the person's version with its capture time,
// every field side by side with the differences highlighted, and three ways out: Accept
// server, Keep mine, or a manual merge of the clashing fields.

import { EditRefused, type ConflictRow, type Fields, type Resolution } from '../../client/index.js';
import { h, isoWhen, when } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';
import { control, labelOf, read, show } from '../values.js';

export async function conflictsScreen(app: App, spaceId: string): Promise<Screen> {
  const conflicts = await app.client.conflicts(spaceId);
  return {
    title: 'Conflicts',
    live: true,
    body: h('section', {},
      conflicts.length ? h('ul', { class: 'cards' }, conflicts.map((c) => h('li', { class: 'card' },
        h('h2', {}, h('a', { href: `#/space/${enc(spaceId)}/conflict/${c.seq}` },
          `${c.type} ${labelOf({ id: c.id, data: c.record ?? c.fields })}`)),
        h('p', {}, c.reason === 'deleted' ? 'Deleted on the server after you edited it'
          : `Changed by ${whoChanged(c)} while you edited: ${c.clashes.map((x) => x.field).join(', ')}`))))
        : h('p', { class: 'state ok' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'No conflicts in this space.'),
      h('a', { href: `#/space/${enc(spaceId)}` }, 'Back to the space')),
  };
}

function whoChanged(c: ConflictRow): string {
  const s = c.clashes[0]?.server;
  return s?.by ? `${s.by}${s.client ? ` (${s.client})` : ''}` : String(c.record?.updatedBy ?? 'someone else');
}

export async function conflictScreen(app: App, spaceId: string, seq: number): Promise<Screen> {
  const c = await app.client.conflict(seq);
  const schema = await app.client.schemaOf(spaceId);
  const back = `#/space/${enc(spaceId)}/conflicts`;
  if (!c || c.space !== spaceId || !schema) {
    return { title: 'Conflict resolved', body: h('p', {}, 'This conflict is no longer open. ', h('a', { href: back }, 'Conflicts')) };
  }
  const spec = schema.types[c.type];
  // The server's side as the device knows it now: the conflict's record, or a newer one pulled
  // since (the edit's other fields, sent on at once, are in it).
  const row = await app.client.record(spaceId, c.type, c.id);
  const server: Fields = (row && row.version >= c.version ? row.base : c.record) ?? {};
  // The person's side: the refused edit and whatever they changed since, which waits with it.
  const device = await app.client.deviceSideOf(seq);
  const mine: Fields = { ...(c.record ? server : c.localBase ?? {}), ...(device?.fields ?? c.fields) };
  const clashing = new Set(c.clashes.map((x) => x.field));
  const fieldNames = Object.keys(spec?.fields ?? mine);
  const first = c.clashes[0];
  const merged = new Map<string, HTMLElement>();
  const choices = new Map<string, Awaited<ReturnType<typeof app.client.records>>>();
  for (const name of clashing) {
    const f = spec?.fields[name];
    if (f?.type === 'reference') choices.set(name, await app.client.records(spaceId, f.to ?? ''));
  }

  const rows = fieldNames.map((name) => {
    const differs = JSON.stringify(server[name] ?? null) !== JSON.stringify(mine[name] ?? null);
    const clash = clashing.has(name);
    let mergeCell: HTMLElement = h('td', { class: 'merge' }, show(clash ? undefined : mine[name]));
    if (clash && spec?.fields[name]) {
      const el = control(name, spec.fields[name], mine[name], `merge-${name}`,
        choices.get(name) ?? []);
      el.setAttribute('aria-label', `Merged value of ${name}`);
      merged.set(name, el);
      mergeCell = h('td', { class: 'merge' }, el);
    }
    return h('tr', { class: `${differs ? 'differs' : ''} ${clash ? 'clash' : ''}`.trim(), 'data-field': name },
      h('th', { scope: 'row' }, name,
        clash ? h('span', { class: 'badge conflict' }, 'conflict') : differs ? h('span', { class: 'badge pending' }, 'differs') : null),
      h('td', { class: 'server' }, show(server[name])),
      h('td', { class: 'mine' }, show(mine[name])),
      mergeCell);
  });

  const error = h('p', { class: 'error', role: 'alert' });
  const choose = async (resolution: Resolution, what: string) => {
    try {
      await app.client.resolve(seq, resolution);
      app.notify(`Resolved: ${what}`, 'success');
      app.go(`#/space/${enc(spaceId)}/type/${enc(c.type)}`);
    } catch (e) {
      error.textContent = e instanceof EditRefused ? `Not resolved: ${e.message}` : `Not resolved: ${(e as Error).message}`;
    }
  };
  const manual = () => {
    const values: Fields = {};
    for (const [name, el] of merged) values[name] = read(spec.fields[name], el);
    return choose({ kind: 'manual', values }, 'merged by hand');
  };

  return {
    title: `Conflict: ${c.type} ${labelOf({ id: c.id, data: c.record ?? c.fields })}`,
    body: h('section', { class: 'conflict-screen' },
      h('div', { class: 'versions' },
        h('div', { class: 'card version server', 'aria-labelledby': 'server-heading' },
          h('h2', { id: 'server-heading' }, 'Server version'),
          c.reason === 'deleted' ? h('p', {}, 'Deleted on the server.') : h('p', {},
            `Changed by ${whoChanged(c)}`, h('br'),
            `at ${isoWhen(first?.server.at)}`,
            first?.server.capturedAt ? ` (captured ${isoWhen(first.server.capturedAt)})` : '')),
        h('div', { class: 'card version mine', 'aria-labelledby': 'mine-heading' },
          h('h2', { id: 'mine-heading' }, 'Your version'),
          h('p', {}, `Captured on this device at ${first?.device.capturedAt ? isoWhen(first.device.capturedAt) : when(c.capturedAt)}`,
            h('br'), 'while offline or before the other change reached you'))),
      h('table', { class: 'compare' },
        h('caption', {}, 'Field by field (differences highlighted)'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Server version'),
          h('th', { scope: 'col' }, 'Your version'), h('th', { scope: 'col' }, 'Manual merge'))),
        h('tbody', {}, rows)),
      error,
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'accept-server', onclick: () => choose({ kind: 'acceptServer' }, 'kept the server version') },
          'Accept server'),
        h('button', { type: 'button', id: 'keep-local', onclick: () => choose({ kind: 'keepLocal' }, 'kept your version') },
          'Keep mine'),
        merged.size ? h('button', { type: 'button', id: 'manual-merge', class: 'primary', onclick: manual }, 'Save manual merge') : null),
      h('a', { href: back }, 'Back to conflicts')),
  };
}
