// A record's form, generated from the declared schema: one labelled control per field,
// references offered from master data in the device's cache, checked before saving (the same
// rules as the server), each problem shown at its field. Saving works offline.
//
// Only the controls the person touched are sent, compared with what the form was built from
// (its basis): a value that arrived from elsewhere while the form was open is not undone, and
// a value the person never touched is never rewritten by its control's round trip.

import { EditRefused, mayWrite, newRecordId, type FieldProblem, type Fields } from '../../client/index.js';
import { h } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';
import { control, labelOf, read } from '../values.js';

export async function recordScreen(app: App, spaceId: string, type: string, id: string | null,
                                   prefill: Fields = {}, retrying?: number): Promise<Screen> {
  const space = await app.client.space(spaceId);
  const schema = await app.client.schemaOf(spaceId);
  const spec = schema?.types[type];
  if (!space || !schema || !spec) return { title: 'Not found', body: h('p', {}, 'No such record type on this device.') };
  const row = id ? await app.client.record(spaceId, type, id) : undefined;
  if (id && (!row || row.data === null)) return { title: 'Not found', body: h('p', {}, `No ${type} ${id} on this device.`) };
  const basis = row ? { data: row.data, version: row.version } : { data: null, version: 0 };
  const recordId = id ?? newRecordId();     // minted once: saving twice saves one record
  const defaults = row ? {} : Object.fromEntries(Object.entries(spec.fields)
    .filter(([, f]) => f.default !== undefined).map(([n, f]) => [n, f.default!]));
  const values: Fields = { ...defaults, ...(row?.data ?? {}), ...prefill };
  const touched = new Set(Object.keys(prefill));
  const writable = mayWrite(spec, space.role);
  const back = `#/space/${enc(spaceId)}/type/${enc(type)}`;

  const controls = new Map<string, HTMLElement>();
  const errors = new Map<string, HTMLElement>();
  const rowsOut: HTMLElement[] = [];
  for (const [name, f] of Object.entries(spec.fields)) {
    const choices = f.type === 'reference' ? await app.client.records(spaceId, f.to ?? '') : [];
    choices.sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
    const el = control(name, f, values[name], `field-${name}`, choices);
    if (!writable) el.setAttribute('disabled', '');
    const mark = () => touched.add(name);
    el.addEventListener('input', mark);
    el.addEventListener('change', mark);
    const err = h('p', { id: `error-${name}`, class: 'error field-error' });
    el.setAttribute('aria-describedby', `error-${name}`);
    controls.set(name, el);
    errors.set(name, err);
    rowsOut.push(h('div', { class: `field ${f.type}` },
      h('label', { for: `field-${name}` }, name, f.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null,
        f.required ? h('span', { class: 'visually-hidden' }, ' (required)') : null),
      el, err));
  }
  const formError = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');

  const showProblems = (problems: FieldProblem[]) => {
    for (const [name, el] of controls) {
      const p = problems.find((x) => x.field === name);
      errors.get(name)!.textContent = p ? p.message : '';
      if (p) el.setAttribute('aria-invalid', 'true'); else el.removeAttribute('aria-invalid');
    }
    formError.textContent = problems.length ? `Not saved: ${problems.map((p) => p.message).join('; ')}` : '';
    const first = problems.find((p) => controls.has(p.field));
    if (first) controls.get(first.field)!.focus();
  };

  const form = h('form', { class: 'card record-form', novalidate: true, 'aria-label': `${type} ${id ?? '(new)'}` },
    row?.rejected ? h('p', { class: 'notice warning' }, `The server refused this record: ${row.rejected}. Fix it and save again.`) : null,
    rowsOut, formError,
    writable ? h('div', { class: 'actions' }, save,
      id ? h('button', { type: 'button', class: 'danger', id: 'delete-record' }, 'Delete') : null) : null,
    h('a', { href: back }, 'Back to the list'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const next: Fields = {};
    for (const name of touched) next[name] = read(spec.fields[name], controls.get(name)!);
    // An empty control over a value that was already empty ('' or none) is no change; a new
    // record's empty fields are not sent (their defaults apply). The client checks the edit
    // against the schema before it keeps it, and its problems are shown at their fields.
    const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    for (const k of Object.keys(next)) if (empty(next[k]) && empty(basis.data?.[k])) delete next[k];
    save.disabled = true;
    try {
      const saved = await app.client.put(spaceId, type, recordId, next, { basis, retrying });
      app.notify(`Saved ${type} ${labelOf({ id: saved, data: next })}${navigator.onLine ? '' : ' on this device'}`, 'success');
      app.go(back);
    } catch (err) {
      if (err instanceof EditRefused) showProblems(err.problems);
      else formError.textContent = `Not saved: ${(err as Error).message}`;
    } finally {
      save.disabled = false;
    }
  });
  form.querySelector('#delete-record')?.addEventListener('click', async () => {
    if (!confirm(`Delete this ${type}?`)) return;
    try {
      await app.client.remove(spaceId, type, id!);
      app.notify(`Deleted ${type} ${id}`, 'success');
      app.go(back);
    } catch (err) {
      formError.textContent = `Not deleted: ${(err as Error).message}`;
    }
  });

  return {
    title: id ? `${type}: ${labelOf(row!)}` : `New ${type}`,
    body: h('section', {}, row?.updatedBy ? h('p', { class: 'meta' }, `Last changed on the server by ${row.updatedBy}`) : null, form),
  };
}
