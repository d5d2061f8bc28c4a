// Two inspectors edit the same inspection offline (one field in common, one field each) and
// come back online: the different fields merge silently, the common one opens the resolution
// screen for the second to sync, and each of its three choices is made in turn, after which
// both browsers hold what the server holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startApp, teamSpace } from './harness.mjs';

let app, lead, ana, ben;

before(async () => {
  app = await startApp();
  lead = await teamSpace(app);
  ana = await app.device('ana', { phone: true });
  ben = await app.device('ben');
  await ana.sync();
  await ben.sync();
});

after(async () => { await app?.close(); });

// A choice made on the resolution screen: the app says so and goes back to the list.
async function resolved(page, notice) {
  await page.locator('main[data-route="#/space/north/type/inspection"]').waitFor();
  await page.locator('.notice.success', { hasText: notice }).last().waitFor();
}

// Both converge on the server's record: every field given, as each browser shows it.
async function converged(expected) {
  await eventually(async () => {
    const server = await lead.record('north', 'inspection', 'i1');
    for (const [k, v] of Object.entries(expected)) if (server[k] !== v) return `server ${k}=${server[k]}`;
    return true;
  }, 'the server to hold the resolution');
  for (const device of [ana, ben]) {
    await eventually(async () => {
      for (const [k, v] of Object.entries(expected)) {
        const shown = await device.field('north', 'inspection', 'i1', k);
        if (shown !== v) return `${device.user} shows ${k}=${shown}`;
      }
      return true;
    }, `${device.user} to show the server's record`);
  }
}

// Both offline, ana then ben edit and come back: returns ben's conflict screen, open.
async function clash(anaValues, benValues, { screenshot = false } = {}) {
  await ana.offline(true);
  await ben.offline(true);
  await ana.edit('north', 'inspection', 'i1', anaValues);
  if (screenshot) {
    await ana.open('#/spaces');
    await ana.screenshot('web-spaces.png');
  }
  await ben.edit('north', 'inspection', 'i1', benValues);
  await ana.offline(false);
  await ana.sync();
  await ben.offline(false);
  await ben.sync();
  await ben.page.locator('.notice.warning', { hasText: 'changed by someone else' }).first().waitFor();
  await ben.open('#/space/north/conflicts');
  await ben.page.locator('.cards a').first().click();
  await ben.page.getByRole('heading', { level: 2, name: 'Server version' }).waitFor();
}

test('different fields merge silently; the common field asks ben, who accepts the server', async () => {
  await clash({ status: 'submitted', notes: 'gauge replaced' }, { status: 'rejected', inspector: 'Ben Okafor' },
    { screenshot: true });
  const page = ben.page;
  // The screen the thread describes: both versions, who and when, the fields side by side.
  const serverCard = await page.locator('.version.server').innerText();
  assert.match(serverCard, /Changed by ana/);
  assert.match(serverCard, /at /);
  assert.match(await page.locator('.version.mine').innerText(), /Captured on this device at/);
  const statusRow = page.locator('tr[data-field="status"]');
  assert.match(await statusRow.getAttribute('class'), /clash/);
  assert.equal(await statusRow.locator('td.server').innerText(), 'submitted');
  assert.equal(await statusRow.locator('td.mine').innerText(), 'rejected');
  assert.match(await page.locator('tr[data-field="site"]').getAttribute('class') ?? '', /^$/);
  await ben.screenshot('web-conflict.png');
  assert.deepEqual(await ben.accessibility('conflict screen'), []);

  // Ben's own field reached the server without waiting for his choice; ana's too.
  const server = await lead.record('north', 'inspection', 'i1');
  assert.equal(server.inspector, 'Ben Okafor');
  assert.equal(server.notes, 'gauge replaced');
  assert.equal(server.status, 'submitted');

  await page.getByRole('button', { name: 'Accept server' }).click();
  await resolved(page, 'Resolved: kept the server version');
  await ben.sync();
  await converged({ status: 'submitted', inspector: 'Ben Okafor', notes: 'gauge replaced' });
  await ben.open('#/space/north/conflicts');
  await page.getByText('No conflicts in this space.').waitFor();
});

test('keep mine sends ben\'s value again, based on the version he has now seen', async () => {
  await clash({ status: 'approved' }, { status: 'rejected' });
  await ben.page.getByRole('button', { name: 'Keep mine' }).click();
  await resolved(ben.page, 'Resolved: kept your version');
  await ben.sync();
  await converged({ status: 'rejected', inspector: 'Ben Okafor' });
});

test('a manual merge takes the value ben writes', async () => {
  await clash({ notes: 'valve sticks' }, { notes: 'pressure low' });
  const merge = ben.page.getByLabel('Merged value of notes');
  assert.equal(await merge.inputValue(), 'pressure low');
  await merge.fill('valve sticks; pressure low');
  await ben.page.getByRole('button', { name: 'Save manual merge' }).click();
  await resolved(ben.page, 'Resolved: merged by hand');
  await ben.sync();
  await converged({ notes: 'valve sticks; pressure low', status: 'rejected' });
});

test('edits made while a conflict waits go with the choice, and Accept server still wins the clash', async () => {
  await clash({ status: 'approved' }, { status: 'draft' });
  // Ben carries on editing the record before choosing: the clashing field and another one.
  await ben.edit('north', 'inspection', 'i1', { status: 'in_progress', inspector: 'B. Okafor' });
  await ben.open('#/space/north/conflicts');
  await ben.page.locator('.cards a').first().click();
  const statusRow = ben.page.locator('tr[data-field="status"]');
  await statusRow.waitFor();
  assert.equal(await statusRow.locator('td.mine').innerText(), 'in_progress');
  await ben.page.getByRole('button', { name: 'Accept server' }).click();
  await resolved(ben.page, 'Resolved: kept the server version');
  await ben.sync();
  await converged({ status: 'approved', inspector: 'B. Okafor' });
});
