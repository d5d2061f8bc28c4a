// Offline life: the same person on two browsers is told of a merge, never asked; a reload with
// no network shows the data and the edits still waiting; a member removed while offline sees
// the space go and their unsynced edits kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startApp, teamSpace } from './harness.mjs';

let app, lead, phone, laptop;

before(async () => {
  app = await startApp();
  lead = await teamSpace(app);
  phone = await app.device('ana', { phone: true });
  laptop = await app.device('ana');
  await phone.sync();
  await laptop.sync();
});

after(async () => { await app?.close(); });

test('the same person on two browsers gets a notification, not a conflict', async () => {
  await phone.offline(true);
  await laptop.offline(true);
  await phone.edit('north', 'inspection', 'i1', { status: 'approved' });
  await laptop.edit('north', 'inspection', 'i1', { status: 'submitted' });
  await phone.offline(false);
  await phone.sync();
  await laptop.offline(false);
  await laptop.sync();
  await laptop.page.locator('.notice', { hasText: 'another device' }).first().waitFor();
  await laptop.open('#/space/north/conflicts');
  await laptop.page.getByText('No conflicts in this space.').waitFor();
  // The later capture (the laptop's) won, and both show it.
  assert.equal((await lead.record('north', 'inspection', 'i1')).status, 'submitted');
  await eventually(async () => (await phone.field('north', 'inspection', 'i1', 'status')) === 'submitted',
    'the phone to show the merged record');
});

test('a reload with the network off shows the data and the pending edits', async () => {
  await phone.offline(true);
  await phone.edit('north', 'inspection', 'i1', { notes: 'written in the basement' });
  await phone.page.reload();
  await phone.page.locator('main[data-route]').waitFor();
  await phone.open('#/spaces');
  const state = await phone.page.locator('[data-space="north"] [data-testid="space-state"]').innerText();
  assert.match(state, /1 edit waiting to sync/);
  assert.equal(await phone.field('north', 'inspection', 'i1', 'notes'), 'written in the basement');
  await phone.open('#/space/north/type/inspection');
  await phone.page.locator('tr[data-id="i1"] .badge.pending').waitFor();
  await phone.offline(false);
  await phone.sync();
  assert.equal((await lead.record('north', 'inspection', 'i1')).notes, 'written in the basement');
});

test('a member removed while offline sees the space gone and their unsynced edits kept', async () => {
  const ben = await app.device('ben');
  await ben.sync();
  await ben.offline(true);
  await ben.edit('north', 'inspection', 'i1', { notes: 'ben was here' });
  await lead.call('DELETE', '/v1/spaces/north/members?person=ben');
  await ben.offline(false);
  await ben.page.getByRole('button', { name: 'Sync now' }).click();
  await ben.page.locator('.notice', { hasText: 'You no longer belong to North depot' }).waitFor();
  await ben.open('#/spaces');
  await ben.page.getByText('You belong to no space yet.').waitFor();
  await ben.page.getByRole('link', { name: 'See them' }).click();
  await ben.page.getByRole('heading', { level: 1, name: 'Kept edits from spaces you left' }).waitFor();
  assert.match(await ben.page.locator('.quarantined').innerText(), /ben was here/);
  assert.deepEqual(await ben.accessibility('quarantine'), []);
  assert.notEqual((await lead.record('north', 'inspection', 'i1')).notes, 'ben was here');
});
