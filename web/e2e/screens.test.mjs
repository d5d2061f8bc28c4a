// The rest of the app, each screen checked with axe-core: signing in, the spaces with their
// state, lists and forms generated from the schema, a refused edit and what the person does
// about it, and a lead's members and master-data import.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessibilityOf, startApp, teamSpace } from './harness.mjs';

let app, lead, lena, ben;

before(async () => {
  app = await startApp();
  lead = await teamSpace(app);
  lena = await app.device('lena');
  ben = await app.device('ben', { phone: true });
  await lena.sync();
  await ben.sync();
});

after(async () => { await app?.close(); });

test('the sign-in screen refuses a bad token and is accessible', async () => {
  const context = await app.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${app.server.baseUrl}/app/`);
  await page.getByLabel('Access token').fill('not.a.token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /token/ }).waitFor();
  assert.deepEqual(await accessibilityOf(page, 'sign in'), []);
  await context.close();
});

test('spaces, lists and forms show the synced state and pass the accessibility check', async () => {
  await ben.open('#/spaces');
  const state = ben.page.locator('[data-space="north"] [data-testid="space-state"]');
  assert.equal((await state.innerText()).trim(), '✓ Synced');
  assert.deepEqual(await ben.accessibility('spaces'), []);
  await ben.open('#/space/north/type/inspection');
  await ben.page.locator('tr[data-id="i1"]').waitFor();
  assert.deepEqual(await ben.accessibility('records'), []);
  await ben.open('#/space/north/record/inspection/new');
  // Master data are choices from the local cache.
  const sites = await ben.page.locator('#field-site option').allInnerTexts();
  assert.ok(sites.some((s) => s.includes('Meridian School')), sites.join());
  assert.deepEqual(await ben.accessibility('form'), []);
  // Checked before saving: the required site is missing.
  await ben.page.getByRole('button', { name: 'Save' }).click();
  await ben.page.locator('#error-site', { hasText: 'site is required' }).waitFor();
  assert.equal(await ben.page.locator('#field-site').getAttribute('aria-invalid'), 'true');
  // A member may not write master data: no button to create a site.
  await ben.open('#/space/north/type/site');
  assert.equal(await ben.page.getByRole('link', { name: 'New site' }).count(), 0);
});

test('an inspection pointing at a site deleted meanwhile is refused, kept, fixed and sent again', async () => {
  await ben.offline(true);
  await ben.open('#/space/north/record/inspection/new');
  await ben.page.locator('#field-site').selectOption('s2');
  await ben.page.locator('#field-notes').fill('roof leak by the stairs');
  await ben.saved('north', 'inspection');
  await lead.push('north', [{ type: 'DELETE', resource: 'site', resourceId: 's2', data: {} }]);
  await ben.offline(false);
  await ben.sync();
  await ben.open('#/space/north/rejections');
  const card = ben.page.locator('.rejection[data-reason="reference"]');
  await card.waitFor();
  assert.match(await card.innerText(), /roof leak by the stairs/);
  assert.match(await card.innerText(), /Choose another one/);
  assert.deepEqual(await ben.accessibility('rejections'), []);
  await card.getByRole('link', { name: 'Edit again' }).click();
  await ben.page.locator('#field-site').selectOption('s1');
  await ben.saved('north', 'inspection');
  await ben.sync();
  await ben.open('#/space/north/rejections');
  await ben.page.getByText('Nothing was refused.').waitFor();
  const pulled = await lead.call('GET', '/v1/spaces/north/sync?mutationsSince=0&resources=inspection');
  const made = pulled.mutations.find((m) => m.data?.notes === 'roof leak by the stairs');
  assert.equal(made?.data.site, 's1');
});

test('an edit made before the person lost the right to write is refused with what to do, data kept', async () => {
  await ben.offline(true);
  await ben.edit('north', 'inspection', 'i1', { notes: 'written as a member' });
  await lead.call('PUT', '/v1/spaces/north/members', { person: 'ben', role: 'viewer' });
  await ben.offline(false);
  await ben.sync();
  await ben.open('#/space/north/rejections');
  const card = ben.page.locator('.rejection[data-reason="permission"]');
  await card.waitFor();
  assert.match(await card.innerText(), /written as a member/);
  assert.match(await card.innerText(), /Ask a lead/);
  assert.notEqual((await lead.record('north', 'inspection', 'i1')).notes, 'written as a member');
  await card.getByRole('button', { name: 'Dismiss' }).click();
  await ben.page.getByText('Nothing was refused.').waitFor();
  await lead.call('PUT', '/v1/spaces/north/members', { person: 'ben', role: 'member' });
  await ben.sync();
});

test('a form left open while another change arrives sends only what the person changed', async () => {
  await ben.open('#/space/north/record/inspection/i1');
  await lead.push('north', [{ type: 'UPDATE', resource: 'inspection', resourceId: 'i1', data: { status: 'approved' } }]);
  await ben.sync();                       // the change arrives while the form stays open
  await ben.page.locator('#field-notes').fill('checked the flue');
  await ben.saved('north', 'inspection');
  await ben.sync();
  const server = await lead.record('north', 'inspection', 'i1');
  assert.equal(server.status, 'approved');
  assert.equal(server.notes, 'checked the flue');
});

test('a new record made in a form gets the schema\'s defaults for what the person left alone', async () => {
  await lena.open('#/space/north/record/site/new');
  assert.equal(await lena.page.locator('#field-active').isChecked(), true);
  await lena.page.locator('#field-name').fill('Depot North');
  await lena.page.locator('#field-code').fill('D-N');
  await lena.saved('north', 'site');
  await lena.sync();
  const pulled = await lead.call('GET', '/v1/spaces/north/sync?mutationsSince=0&resources=site');
  const made = pulled.mutations.filter((m) => m.data?.name === 'Depot North');
  assert.equal(made.length, 1);
  assert.equal(made[0].data.active, true);
});

test('a lead manages members and imports master data from a CSV file', async () => {
  await lena.open('#/space/north/members');
  assert.deepEqual(await lena.accessibility('members'), []);
  await lena.page.getByLabel('Person (as their sign-in names them)').fill('carl');
  await lena.page.getByLabel('Role of the new member').selectOption('viewer');
  await lena.page.getByRole('button', { name: 'Add' }).click();
  await lena.page.locator('tr[data-person="carl"]').waitFor();
  await lena.page.getByLabel('Role of carl').selectOption('lead');
  await lena.page.locator('tr[data-person="carl"]').getByRole('button', { name: 'Save role' }).click();
  await lena.page.locator('.notice.success', { hasText: 'carl is now lead' }).waitFor();
  const members = await lead.call('GET', '/v1/spaces/north/members');
  assert.equal(members.members.find((m) => m.person === 'carl')?.role, 'lead');

  await lena.open('#/space/north/import');
  assert.deepEqual(await lena.accessibility('import'), []);
  await lena.page.getByLabel('Type').selectOption('site');
  await lena.page.getByLabel(/CSV file/).setInputFiles({ name: 'sites.csv', mimeType: 'text/csv',
    buffer: Buffer.from('id,name,code,active\ns10,"Depot, East",D-10,true\ns11,Depot West,D-11,false\n') });
  await lena.page.getByRole('button', { name: 'Import' }).click();
  await lena.page.locator('#import-result', { hasText: '2 site records: 2 imported' }).waitFor();
  assert.equal((await lead.record('north', 'site', 's10')).name, 'Depot, East');
  assert.equal((await lead.record('north', 'site', 's11')).active, false);
});

test('a viewer\'s first pull of a large space shows its progress', async () => {
  for (let start = 0; start < 3000; start += 100) {
    await lead.push('north', Array.from({ length: 100 }, (_, i) => ({ type: 'CREATE', resource: 'site',
      resourceId: `bulk-${start + i}`, data: { name: `Site ${start + i}`, code: `B-${start + i}` } })));
  }
  await lead.call('PUT', '/v1/spaces/north/members', { person: 'dana', role: 'viewer' });
  const dana = await app.device('dana', { phone: true });
  const bar = dana.page.locator('[data-space="north"] progress');
  await bar.waitFor({ timeout: 20000 });
  assert.match(await dana.page.locator('[data-space="north"] label.progress').innerText(), /First sync: \d+ of \d+ records/);
  await dana.page.locator('[data-space="north"] [data-testid="space-state"]', { hasText: 'Synced' }).waitFor({ timeout: 60000 });
  await dana.open('#/space/north/type/site');
  assert.match(await dana.page.locator('main h2').innerText(), /site records \(300[0-9]\)/);
  assert.equal(await dana.page.getByRole('link', { name: 'New site' }).count(), 0);
});
