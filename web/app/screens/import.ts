// For leads and owners, online: master data from a CSV file. The whole file is checked against
// the type first (nothing is sent from a file with a mistake); a run cut short can be run again.

import { h } from '../dom.js';
import { enc, type App, type Screen } from '../shell.js';

export async function importScreen(app: App, spaceId: string): Promise<Screen> {
  const schema = await app.client.schemaOf(spaceId);
  const types = Object.entries(schema?.types ?? {}).filter(([, t]) => t.masterData).map(([n]) => n);
  const type = h('select', { id: 'import-type' }, types.map((t) => h('option', { value: t }, t)));
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv', required: true });
  const progress = h('progress', { id: 'import-progress', max: 1, value: 0, 'aria-label': 'Import progress' });
  const result = h('div', { role: 'status', id: 'import-result' });
  const form = h('form', { class: 'card' },
    h('label', { for: 'import-type' }, 'Type'), type,
    h('label', { for: 'import-file' }, 'CSV file (first row: field names, optionally id)'), file,
    h('button', { type: 'submit', class: 'primary' }, 'Import'), progress, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f || !schema) { result.textContent = 'Choose a file first.'; return; }
    result.textContent = 'Importing…';
    try {
      const report = await app.admin.importCsv(spaceId, schema, type.value, await f.text(), (done, total) => {
        progress.max = total;
        progress.value = done;
      });
      result.replaceChildren(h('p', {}, `${report.records} ${type.value} records: ${report.applied} imported` +
        (report.refused.length ? `, ${report.refused.length} refused` : '')),
        report.refused.length ? h('ul', {}, report.refused.slice(0, 50).map((r) => h('li', {}, `line ${r.line}: ${r.message}`))) : '');
      void app.client.sync();
    } catch (err) {
      result.textContent = `Nothing imported: ${(err as Error).message}`;
    }
  });
  return {
    title: 'Import master data',
    body: h('section', {}, types.length ? form : h('p', {}, 'This schema declares no master data.'),
      h('a', { href: `#/space/${enc(spaceId)}` }, 'Back to the space')),
  };
}
