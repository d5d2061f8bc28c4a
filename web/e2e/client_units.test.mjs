// The browser client's pure parts, without a browser: the SSE parser, the CSV reader, the
// save-time checks, how a record is shown over its queued edits, and what a resolution sends.
// The TypeScript is bundled on the fly with esbuild into one module for Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');

const entry = `export * from '${WEB}/client/index.ts';
export { overlay } from '${WEB}/client/store.ts';
export { resolutionFields, deviceSide } from '${WEB}/client/edits.ts';`;
const built = await esbuild.build({ stdin: { contents: entry, resolveDir: WEB, loader: 'ts' }, bundle: true,
  format: 'esm', platform: 'neutral', write: false });
const dir = mkdtempSync(join(tmpdir(), 'synclog-client-'));
writeFileSync(join(dir, 'client.mjs'), built.outputFiles[0].text);
const c = await import(join(dir, 'client.mjs'));
rmSync(dir, { recursive: true, force: true });

test('SSE: events split anywhere across chunks, CRLF, comments, multi-line data, retry', () => {
  const events = [];
  const retries = [];
  const p = new c.SseParser((e) => events.push(e), (ms) => retries.push(ms));
  const text = 'retry: 1000\r\n\r\n: heartbeat\r\nevent: space\r\ndata: {"spaceId":"north",\r\ndata: "lastMutationAt":5}\r\n\r\nevent: spaces\ndata:{"lastMutationAt":7}\n\n';
  for (const ch of text) p.push(ch);
  assert.deepEqual(retries, [1000]);
  assert.deepEqual(events.map((e) => [e.event, e.data]), [
    ['space', '{"spaceId":"north",\n"lastMutationAt":5}'], ['spaces', '{"lastMutationAt":7}']]);
  p.push('data: unfinished');
  assert.equal(events.length, 2);
  assert.equal(p.buffered, 'data: unfinished'.length);
});

const siteSpec = { masterData: true, fields: { name: { type: 'string', required: true, maxLength: 10 },
  active: { type: 'boolean' }, floor: { type: 'integer', min: -2, max: 9 }, tags: { type: 'stringList', maxItems: 2 } } };

test('CSV: quoted cells, types by the schema, and the line of the first mistake', () => {
  const rows = c.csvRecords('\ufeffid,name,active,floor,tags\r\ns1,"Depot, ""East""",true,3,a|b\ns2,West,,,\n', 'site', siteSpec);
  assert.deepEqual(rows, [
    { line: 2, id: 's1', fields: { name: 'Depot, "East"', active: true, floor: 3, tags: ['a', 'b'] } },
    { line: 3, id: 's2', fields: { name: 'West' } }]);
  assert.throws(() => c.csvRecords('name,colour\nx,red\n', 'site', siteSpec), /line 1: site has no field colour/);
  assert.throws(() => c.csvRecords('name,active\nx,yes\n', 'site', siteSpec), /line 2, active: "yes" is not true or false/);
  assert.throws(() => c.csvRecords('name\n"open\n', 'site', siteSpec), /quoted/);
});

test('save-time checks: role, unknown and invalid fields, required on create, references', () => {
  const schema = { name: 's', version: 1, types: { site: siteSpec, visit: { fields: {
    site: { type: 'reference', to: 'site', required: true }, status: { type: 'enum', values: ['open', 'done'] } } } } };
  const none = () => false;
  assert.match(c.checkEdit(schema, 'site', 'member', { name: 'x' }, true, none)[0].message, /a member may not write site/);
  assert.deepEqual(c.checkEdit(schema, 'site', 'lead', { name: 'x' }, true, none), []);
  const problems = c.checkEdit(schema, 'site', 'owner', { floor: 12, colour: 'red', tags: ['a', 'b', 'c'] }, true, none);
  assert.deepEqual(problems.map((p) => p.field).sort(), ['colour', 'floor', 'name', 'tags']);
  assert.match(c.checkEdit(schema, 'visit', 'member', { site: 's9' }, true, none)[0].message, /no site s9 on this device/);
  assert.deepEqual(c.checkEdit(schema, 'visit', 'member', { site: 's1', status: 'done' }, true, () => true), []);
  assert.match(c.checkEdit(schema, 'visit', 'member', { status: 'maybe' }, false, none)[0].message, /one of open, done/);
  assert.equal(c.checkEdit(schema, 'visit', 'viewer', {}, false, none).length, 1);
});

test('a record is shown as the server has it with conflicts and queued edits laid over', () => {
  const base = { status: 'open', notes: 'a' };
  assert.deepEqual(c.overlay(base, [{ op: 'UPDATE', fields: { status: 'done' } }]), { status: 'done', notes: 'a' });
  assert.equal(c.overlay(base, [{ op: 'DELETE', fields: {} }]), null);
  assert.deepEqual(c.overlay(null, [{ op: 'CREATE', fields: { notes: 'b' } }, { op: 'UPDATE', fields: { notes: 'c' } }]),
    { notes: 'c' });
});

test('a resolution sends the clashing fields as chosen, and nothing the server already has', () => {
  const conflict = { fields: { status: 'rejected', notes: 'same' }, record: { status: 'submitted', notes: 'same' },
    clashes: [{ field: 'status' }] };
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'acceptServer' }), {});
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'keepLocal' }), { status: 'rejected' });
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'manual', values: { status: 'approved' } }), { status: 'approved' });
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'manual', values: { status: 'submitted' } }), {});
  // Edits made while it waited are the device's side too; a later delete wins.
  const side = c.deviceSide(conflict, [{ op: 'UPDATE', fields: { status: 'draft', notes: 'new' } }]);
  assert.deepEqual(side, { fields: { status: 'draft', notes: 'new' }, deleted: false });
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'acceptServer' }, side.fields), { notes: 'new' });
  assert.deepEqual(c.resolutionFields(conflict, { kind: 'keepLocal' }, side.fields), { status: 'draft', notes: 'new' });
  assert.equal(c.deviceSide(conflict, [{ op: 'DELETE', fields: {} }]).deleted, true);
});
