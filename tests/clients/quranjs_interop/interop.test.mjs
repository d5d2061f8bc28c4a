// The official JavaScript SDK, @quranjs/api, against the real synclog binary, and every response
// it got checked against two OpenAPI documents: synclog's own (GET /openapi.json, the committed
// docs/openapi.json) and the upstream pre-live document (../shared/reference, when present).
//
//   a. The real client (createPublicClient from @quranjs/api/public, pointed at synclog with
//      services.authBaseUrl) drives bookmarks, collections (Favorites included), notes, reading
//      sessions and preferences. Every write's X-Mutation-At is the head a following
//      metadataOnly GET /v1/sync returns, and the write is pulled by GET /v1/sync as the right
//      resource, type, id and data.
//   b. Every response recorded (the client's and this file's plain requests: 200s, 401, 404, 422,
//      409 on a direct write and on /v1/sync, 412, 304) is validated with
//      openapi-response-validator against synclog's document, and against the upstream document
//      for the operations and statuses it defines.
//   c. /openapi.json is a valid OpenAPI 3 document and is byte for byte docs/openapi.json.
//
// Run: npm ci && SYNCLOG_BIN=/path/to/synclog node --test interop.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from '../synclog_server.mjs';
import { createPublicClient } from '@quranjs/api/public';
import OpenAPIResponseValidatorModule from 'openapi-response-validator';
import { Validator as OpenAPISchemaValidator } from '@seriousme/openapi-schema-validator';

// openapi-response-validator is CommonJS with an `exports.default`.
const OpenAPIResponseValidator = OpenAPIResponseValidatorModule.default ?? OpenAPIResponseValidatorModule;

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..', '..');
const COMMITTED_DOC = join(REPO_ROOT, 'docs', 'openapi.json');
// The upstream pre-live document sits beside the repository in this workspace
// (../shared/reference from the repository root); elsewhere (a CI clone without shared/) it is
// absent and the checks against it are skipped, saying so.
const UPSTREAM_DOC = resolve(REPO_ROOT, '..', 'shared', 'reference', 'user-related-apis-prelive-v1.json');

const CLIENT_ID = 'interop-test';
const MUSHAF = 4; // UthmaniHafs

// ---------------------------------------------------------------------------------------------
// Every response, recorded: the client's (through the fetch it is given) and this file's own.

const exchanges = [];

function headerObject(headers) {
  const o = {};
  new Headers(headers ?? {}).forEach((v, k) => { o[k] = v; });
  return o;
}

async function recordingFetch(input, init = {}) {
  const res = await fetch(input, init);
  const text = await res.clone().text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const url = new URL(String(input));
  const exchange = {
    method: (init.method ?? 'GET').toUpperCase(),
    url: url.href,
    pathname: url.pathname,
    requestHeaders: headerObject(init.headers),
    status: res.status,
    headers: headerObject(res.headers),
    text,
    json,
  };
  exchanges.push(exchange);
  return res;
}

// A plain request (no SDK), recorded like the client's. Returns the exchange.
async function http(server, method, path, { token, body, headers = {} } = {}) {
  const h = { 'x-client-id': CLIENT_ID, ...headers };
  if (token) h['x-auth-token'] = token;
  if (body !== undefined) h['content-type'] = 'application/json';
  await recordingFetch(`${server.baseUrl}${path}`, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return exchanges.at(-1);
}

// The user's head as GET /v1/sync?metadataOnly=true reports it.
async function head(server, token) {
  const ex = await http(server, 'GET', '/v1/sync?mutationsSince=0&metadataOnly=true', { token });
  assert.equal(ex.status, 200, ex.text);
  assert.deepEqual(Object.keys(ex.json.data), ['lastMutationAt'], ex.text);
  assert.equal(ex.headers['x-mutation-at'], String(ex.json.data.lastMutationAt), 'GET /v1/sync answers X-Mutation-At');
  return ex.json.data.lastMutationAt;
}

// Every entry GET /v1/sync pulls after `since` (one request: few entries).
async function pullSince(server, token, since) {
  const ex = await http(server, 'GET', `/v1/sync?mutationsSince=${since}`, { token });
  assert.equal(ex.status, 200, ex.text);
  assert.equal(ex.json.data.hasMore, false, ex.text);
  return ex.json.data;
}

function isSubset(expected, actual) {
  return Object.entries(expected).every(([k, v]) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) return actual && isSubset(v, actual[k] ?? {});
    return JSON.stringify(actual?.[k]) === JSON.stringify(v);
  });
}

// ---------------------------------------------------------------------------------------------
// OpenAPI response validation.

const isDateTime = (s) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

// A document's operations, found by method and concrete path (literal segments before templated
// ones, as OpenAPI matches them), and a response validator per operation and status.
class DocumentChecker {
  constructor(name, doc) {
    this.name = name;
    this.doc = doc;
    this.templates = Object.keys(doc.paths)
      .map((p) => ({ template: p, segments: p.split('/') }))
      .sort((a, b) => a.segments.filter((s) => s.startsWith('{')).length
        - b.segments.filter((s) => s.startsWith('{')).length);
    this.validators = new Map();
  }

  operation(method, pathname) {
    const segments = pathname.split('/').map((s) => decodeURIComponent(s));
    for (const { template, segments: t } of this.templates) {
      if (t.length !== segments.length) continue;
      if (!t.every((s, i) => (s.startsWith('{') && s.endsWith('}') ? segments[i] !== '' : s === segments[i]))) continue;
      const op = this.doc.paths[template][method.toLowerCase()];
      if (op) return { template, op };
    }
    return null;
  }

  resolve(obj) {
    let o = obj;
    while (o && o.$ref) {
      const parts = o.$ref.replace(/^#\//, '').split('/');
      o = parts.reduce((acc, k) => acc?.[k], this.doc);
    }
    return o;
  }

  // { skipped: why } when the document does not define this operation or status; otherwise
  // { key, errors: [...] } (no errors: valid).
  check(ex) {
    const found = this.operation(ex.method, ex.pathname);
    if (!found) return { skipped: `${this.name} defines no ${ex.method} ${ex.pathname}` };
    const key = `${ex.method} ${found.template} ${ex.status}`;
    const response = this.resolve(found.op.responses[String(ex.status)]);
    if (!response) return { skipped: `${this.name} defines no ${ex.status} for ${ex.method} ${found.template}`, key };
    const errors = [];
    const media = response.content ? Object.keys(response.content)[0] : null;
    if (media) {
      const type = ex.headers['content-type'] ?? '';
      if (!type.startsWith(media.split(';')[0])) errors.push(`content-type ${JSON.stringify(type)} is not ${media}`);
      if (ex.json === undefined) errors.push(`the body is not JSON: ${ex.text.slice(0, 200)}`);
    } else if (ex.text !== '') {
      errors.push(`no body is defined, got ${ex.text.slice(0, 200)}`);
    }
    let validator = this.validators.get(key);
    if (!validator) {
      // The validator reads each response's first media type; response-level $refs are resolved
      // here (it would otherwise see no content), schema $refs by Ajv against `components`.
      validator = new OpenAPIResponseValidator({
        responses: { [String(ex.status)]: response },
        components: this.doc.components,
        customFormats: { 'date-time': isDateTime },
      });
      this.validators.set(key, validator);
    }
    const result = validator.validateResponse(ex.status, media ? ex.json : undefined);
    if (result) for (const e of result.errors) errors.push(`${e.path || '(body)'}: ${e.message}`);
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const value = ex.headers[name.toLowerCase()];
      const lower = name.toLowerCase();
      // X-Mutation-At is the header clients chain on: declared means always sent. The others
      // (ETag, X-Modified-By, X-Request-Id, Retry-After) are checked when present.
      if (value === undefined) {
        if (lower === 'x-mutation-at') errors.push(`header ${name} is declared and missing`);
        continue;
      }
      const schema = this.resolve(h).schema ?? {};
      if (lower === 'x-mutation-at' && !/^[1-9]\d*$/.test(value)) errors.push(`header ${name}: ${value} is not epoch ms`);
      if (lower === 'etag' && !/^"\d+"$/.test(value)) errors.push(`header ${name}: ${value} is not a quoted version`);
      if (schema.type === 'integer' && !/^\d+$/.test(value)) errors.push(`header ${name}: ${value} is not an integer`);
    }
    return { key, errors };
  }
}

function describeExchange(ex) {
  return `${ex.method} ${ex.url.replace(/^http:\/\/[^/]+/, '')} -> ${ex.status} ${ex.text.slice(0, 300)}`;
}

// Validates every exchange with `checker`; returns the keys it validated and the skips.
function validateAll(checker, list) {
  const failures = [];
  const validated = new Set();
  const skipped = new Set();
  for (const ex of list) {
    const r = checker.check(ex);
    if (r.skipped) {
      skipped.add(r.skipped);
      continue;
    }
    validated.add(r.key);
    if (r.errors.length) failures.push(`${describeExchange(ex)}\n    ${r.errors.join('\n    ')}`);
  }
  return { failures, validated, skipped };
}

// ---------------------------------------------------------------------------------------------

describe('@quranjs/api against synclog', () => {
  let server;
  let token;
  let client;
  let api;
  let lastHead;
  // What the client flow left for the later checks.
  const ids = {};

  before(async () => {
    // No per-user rate limit: one user makes all of this file's requests in a burst.
    server = await startServer(['--rate-limit', '0'], 'synclog-quranjs-');
    token = server.token('quranjs-user');
    client = createPublicClient({
      clientId: CLIENT_ID,
      clientType: 'public',
      services: { authBaseUrl: server.baseUrl },
      userSession: { accessToken: token },
      fetch: recordingFetch,
    });
    api = client.auth.v1;
    lastHead = await head(server, token);
  });

  after(async () => {
    if (!server) return;
    const { exited } = await server.stop();
    assert.ok(exited && (exited.code === 0 || exited.signal === 'SIGTERM'), `synclog serve ended: ${JSON.stringify(exited)}`);
  });

  // One client call that writes: exactly one request, X-Mutation-At equal to the head a
  // following metadataOnly GET returns (and after the previous head, unless `noop`), and the
  // entries pulled since the previous head are exactly `entries` (partial data), at ts <= head.
  async function write(call, entries, { noop = false } = {}) {
    const before = exchanges.length;
    const result = await call();
    const mine = exchanges.slice(before);
    assert.equal(mine.length, 1, 'one request per client call');
    const ex = mine[0];
    assert.equal(ex.status, 200, describeExchange(ex));
    // The client camelizes the body's keys: synclog's are camelCase already, so the app sees
    // exactly what the server sent.
    assert.deepEqual(result, ex.json);
    assert.equal(ex.requestHeaders['x-auth-token'], token, 'the client sends x-auth-token');
    assert.equal(ex.requestHeaders['x-client-id'], CLIENT_ID, 'the client sends x-client-id');
    const mutationAt = ex.headers['x-mutation-at'];
    assert.match(mutationAt ?? '', /^[1-9]\d*$/, `X-Mutation-At on ${describeExchange(ex)}`);
    const now = await head(server, token);
    assert.equal(Number(mutationAt), now, `X-Mutation-At of ${ex.method} ${ex.pathname} is the head`);
    if (noop) assert.equal(now, lastHead, 'a no-op write does not move the head');
    else assert.ok(now > lastHead, `the head moves: ${lastHead} -> ${now}`);
    const pulled = await pullSince(server, token, lastHead);
    assert.equal(pulled.lastMutationAt, now);
    const summary = JSON.stringify(pulled.mutations);
    assert.equal(pulled.mutations.length, entries.length, `pulled after ${ex.method} ${ex.pathname}: ${summary}`);
    for (const want of entries) {
      const got = pulled.mutations.find((m) => m.resource === want.resource
        && (want.resourceId === undefined || m.resourceId === want.resourceId)
        && (want.data?.collectionId === undefined || m.data?.collectionId === want.data.collectionId));
      assert.ok(got, `no ${want.resource} ${want.resourceId ?? ''} pulled: ${summary}`);
      assert.equal(got.type, want.type, `type of ${want.resource}: ${summary}`);
      assert.ok(got.timestamp > lastHead && got.timestamp <= now, `timestamp of ${want.resource}: ${summary}`);
      if (want.data) assert.ok(isSubset(want.data, got.data), `data of ${want.resource}: want ${JSON.stringify(want.data)}, got ${JSON.stringify(got.data)}`);
    }
    lastHead = now;
    return result;
  }

  // One client call that reads: one request, 200, no head movement.
  async function read(call) {
    const before = exchanges.length;
    const result = await call();
    const mine = exchanges.slice(before);
    assert.equal(mine.length, 1, 'one request per client call');
    assert.equal(mine[0].status, 200, describeExchange(mine[0]));
    assert.deepEqual(result, mine[0].json);
    assert.equal(mine[0].requestHeaders['x-auth-token'], token);
    assert.equal(mine[0].requestHeaders['x-client-id'], CLIENT_ID);
    return result;
  }

  test('a. the real client: bookmarks, collections and Favorites', async () => {
    const ayah = { key: 2, type: 'ayah', verseNumber: 255, mushafId: MUSHAF };
    const b = await write(() => api.bookmarks.create(ayah), [
      { type: 'CREATE', resource: 'BOOKMARK', data: { key: 2, verseNumber: 255, type: 'ayah', isInDefaultCollection: false } },
    ]);
    // The client camelizes JSON bodies; these are already camelCase.
    assert.equal(b.success, true);
    assert.match(b.data.id, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual({ key: b.data.key, verseNumber: b.data.verseNumber, type: b.data.type, group: b.data.group },
      { key: 2, verseNumber: 255, type: 'ayah', group: 'verses_6236' });
    ids.bookmark = b.data.id;
    let pulled = (await pullSince(server, token, 0)).mutations;
    assert.equal(pulled.find((m) => m.resource === 'BOOKMARK').resourceId, ids.bookmark, 'the pulled id is the direct answer\'s');

    const surah = await write(() => api.bookmarks.create({ key: 36, type: 'surah', mushafId: MUSHAF }), [
      { type: 'CREATE', resource: 'BOOKMARK', data: { key: 36, type: 'surah' } },
    ]);
    assert.equal(surah.data.verseNumber, null, 'a surah bookmark has verseNumber null');
    ids.surahBookmark = surah.data.id;

    const col = await write(() => api.collections.create({ name: 'Interop' }), [
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Interop' } },
    ]);
    assert.equal(col.data.name, 'Interop');
    assert.equal(col.data.isDefault, false);
    ids.collection = col.data.id;
    pulled = (await pullSince(server, token, 0)).mutations;
    assert.ok(pulled.some((m) => m.resource === 'COLLECTION' && m.resourceId === ids.collection));

    const added = await write(() => api.collections.addBookmark(ids.collection, ayah), [
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: ids.collection, bookmarkId: ids.bookmark } },
    ]);
    assert.deepEqual(added.data, { message: 'collection bookmark added' });

    // Favorites is virtual: the bookmark's isInDefaultCollection changes, no membership entry.
    await write(() => api.collections.addBookmark('__default__', ayah), [
      { type: 'UPDATE', resource: 'BOOKMARK', resourceId: ids.bookmark, data: { isInDefaultCollection: true } },
    ]);

    const list = await read(() => api.bookmarks.list({ mushafId: MUSHAF }));
    assert.deepEqual(list.data.map((x) => x.id).sort(), [ids.bookmark, ids.surahBookmark].sort());
    assert.equal(list.pagination.hasNextPage, false);
    const one = await read(() => api.bookmarks.get({ mushafId: MUSHAF, key: 2, type: 'ayah', verseNumber: 255 }));
    assert.equal(one.data.id, ids.bookmark);
    assert.equal(one.data.isInDefaultCollection, true);
    assert.equal(one.data.collectionsCount, 2);
    const holders = await read(() => api.bookmarks.listCollections({
      mushafId: MUSHAF, key: 2, type: 'ayah', verseNumber: 255, includeDefault: true,
    }));
    assert.deepEqual(holders.data, [ids.collection, '__default__']);
    const range = await read(() => api.bookmarks.listRange({
      chapterNumber: 2, rangeStartAyahNumber: 250, rangeEndAyahNumber: 260, mushafId: MUSHAF,
    }));
    assert.deepEqual(range.data.map((x) => [x.id, x.bookmarkType, x.verseNumber]), [[ids.bookmark, 'ayah', 255]]);

    const cols = await read(() => api.collections.list());
    assert.deepEqual(cols.data.map((c) => [c.id, c.name, c.bookmarksCount]), [[ids.collection, 'Interop', 1]]);
    const all = await read(() => api.collections.listAll());
    assert.deepEqual(all.data.map((x) => x.id), [ids.bookmark]);
    const got = await read(() => api.collections.get(ids.collection));
    assert.equal(got.data.collection.id, ids.collection);
    assert.deepEqual(got.data.bookmarks.map((x) => x.id), [ids.bookmark]);
    const favorites = await read(() => api.collections.get('__default__'));
    assert.equal(favorites.data.collection.id, '__default__');
    assert.equal(favorites.data.collection.isDefault, true);
    assert.deepEqual(favorites.data.bookmarks.map((x) => x.id), [ids.bookmark]);

    const renamed = await write(() => api.collections.update(ids.collection, { name: 'Renamed' }), [
      { type: 'UPDATE', resource: 'COLLECTION', resourceId: ids.collection, data: { name: 'Renamed' } },
    ]);
    assert.deepEqual(renamed.data, { message: 'collection renamed' });

    // The bookmark stays: it is still in Favorites.
    const removed = await write(() => api.collections.removeBookmark(ids.collection, ids.bookmark), [
      { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: ids.collection, bookmarkId: ids.bookmark } },
    ]);
    assert.deepEqual(removed.data, { message: 'collection bookmark deleted' });

    // The body form of the removal has no facade method: the client's generated operation.
    await write(() => api.collections.addBookmark(ids.collection, ayah), [
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: ids.collection, bookmarkId: ids.bookmark } },
    ]);
    const byBody = await write(() => api.raw.deleteV1CollectionsByCollectionIdBookmarks({
      path: { collectionId: ids.collection }, body: { key: 2, type: 'ayah', verseNumber: 255, mushafId: MUSHAF },
    }), [
      { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: ids.collection, bookmarkId: ids.bookmark } },
    ]);
    assert.deepEqual(byBody.data, {});

    const deleted = await write(() => api.collections.remove(ids.collection), [
      { type: 'DELETE', resource: 'COLLECTION', resourceId: ids.collection },
    ]);
    assert.deepEqual(deleted.data, { message: 'collection deleted' });

    // An orphan bookmark is removed; one in Favorites only stops being the reading bookmark
    // (it is not one here, so nothing changes and the head stays).
    const gone = await write(() => api.bookmarks.remove(ids.surahBookmark), [
      { type: 'DELETE', resource: 'BOOKMARK', resourceId: ids.surahBookmark },
    ]);
    assert.deepEqual(gone.data, { message: 'bookmark deleted' });
    const kept = await write(() => api.bookmarks.remove(ids.bookmark), [], { noop: true });
    assert.deepEqual(kept.data, { message: 'bookmark deleted' });
    assert.equal((await read(() => api.bookmarks.get({ mushafId: MUSHAF, key: 2, type: 'ayah', verseNumber: 255 }))).data.id,
      ids.bookmark);
  });

  test('a. the real client: notes', async () => {
    const created = await write(() => api.notes.create({
      body: 'A note on the Throne verse', ranges: ['2:255-2:255'],
      attachedEntity: { entityId: 'reflection-1', entityType: 'reflection' },
    }), [{ type: 'CREATE', resource: 'NOTE', data: { body: 'A note on the Throne verse', ranges: ['2:255-2:255'] } }]);
    ids.note = created.data.id;
    assert.equal(created.data.source, CLIENT_ID, 'a note\'s source is the writing client');
    assert.deepEqual(created.data.attachedEntities.map((e) => [e.entityId, e.entityType]), [['reflection-1', 'reflection']]);

    const got = await read(() => api.notes.get(ids.note));
    assert.equal(got.data.body, 'A note on the Throne verse');
    const list = await read(() => api.notes.list());
    assert.deepEqual(list.data.map((n) => n.id), [ids.note]);
    const byVerse = await read(() => api.notes.listByVerseKey('2:255'));
    assert.deepEqual(byVerse.data.map((n) => n.id), [ids.note]);
    const byRange = await read(() => api.notes.listByRange({ from: '2:250', to: '2:260' }));
    assert.deepEqual(byRange.data.map((n) => n.id), [ids.note]);
    const outside = await read(() => api.notes.listByRange({ from: '3:1', to: '3:5' }));
    assert.deepEqual(outside.data, []);
    const byEntity = await read(() => api.notes.listByAttachedEntity({ entityId: 'reflection-1', entityType: 'reflection' }));
    assert.deepEqual(byEntity.data.map((n) => n.id), [ids.note]);
    // count-within-range has no facade method: the client's generated operation.
    const counts = await read(() => api.raw.getV1NotesCountWithinRange({ query: { from: '2:250', to: '2:260' }, preserveResponseKeys: true }));
    assert.deepEqual(counts.data, { '2:255': 1 });

    const updated = await write(() => api.notes.update(ids.note, { body: 'An edited note on the Throne verse' }), [
      { type: 'UPDATE', resource: 'NOTE', resourceId: ids.note, data: { body: 'An edited note on the Throne verse' } },
    ]);
    assert.equal(updated.data.body, 'An edited note on the Throne verse');
    assert.ok(Date.parse(updated.data.updatedAt) >= Date.parse(updated.data.createdAt));

    // Publishing belongs to QuranReflect, another service: synclog answers 501 (its document
    // says so; upstream defines no 501), and the client throws.
    await assert.rejects(() => api.notes.publish(ids.note, { body: 'A reflection on the Throne verse' }), (e) => {
      assert.equal(e.status, 501);
      assert.equal(e.payload.success, false);
      return true;
    });

    const removed = await write(() => api.notes.remove(ids.note), [
      { type: 'DELETE', resource: 'NOTE', resourceId: ids.note },
    ]);
    assert.deepEqual(removed.data, { success: true });
    // Errors throw: the client's QuranHttpError carries the status and the parsed body.
    await assert.rejects(() => api.notes.get(ids.note), (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.payload.type, 'not_found');
      return true;
    });
  });

  test('a. the real client: reading sessions', async () => {
    const first = await write(() => api.readingSessions.create({ chapterNumber: 18, verseNumber: 10 }), [
      { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 18, verseNumber: 10 } },
    ]);
    assert.deepEqual(first.data, { message: 'reading session created' });
    const sessions = await read(() => api.readingSessions.list());
    assert.equal(sessions.data.length, 1);
    ids.session = sessions.data[0].id;
    // Within 20 minutes of the last one: the same session moves on.
    const second = await write(() => api.readingSessions.create({ chapterNumber: 18, verseNumber: 11 }), [
      { type: 'UPDATE', resource: 'READING_SESSION', resourceId: ids.session, data: { chapterNumber: 18, verseNumber: 11 } },
    ]);
    assert.deepEqual(second.data, { message: 'reading session updated' });
    const after = await read(() => api.readingSessions.list());
    assert.deepEqual(after.data.map((s) => [s.id, s.chapterNumber, s.verseNumber]), [[ids.session, 18, 11]]);
  });

  test('a. the real client: preferences (not synced: no X-Mutation-At, no head movement)', async () => {
    const before = await head(server, token);
    const prefWrite = async (call) => {
      const n = exchanges.length;
      const result = await call();
      assert.equal(exchanges.length, n + 1, 'one request per client call');
      const ex = exchanges[n];
      assert.equal(ex.status, 200, describeExchange(ex));
      assert.deepEqual(result, ex.json);
      assert.equal(ex.headers['x-mutation-at'], undefined, 'preferences answer no X-Mutation-At');
      return { result, ex };
    };
    // The client's update and bulkUpdate take a body only: they send no mushafId, which the
    // upstream document requires (synclog accepts its absence; see docs/api.md).
    const one = await prefWrite(() => api.preferences.update({ group: 'theme', key: 'type', value: 'dark' }));
    assert.deepEqual(one.result.data, { message: 'preference updated' });
    assert.equal(new URL(one.ex.url).search, '');
    // playbackRate 1, not a fraction: the upstream Preference schema declares
    // audio.playbackRate as an integer with fractional enum values (0.25, 0.5, ... 2), a
    // contradiction under which 1.5 never validates though the enum lists it. The GET below
    // must validate against that document too, so the stored rate must be a whole one.
    const bulk = await prefWrite(() => api.preferences.bulkUpdate({
      audio: { reciter: 7, playbackRate: 1 }, translations: { selectedTranslations: [131, 20] },
    }));
    assert.deepEqual(bulk.result.data, { message: 'preferences updated' });
    assert.equal(new URL(bulk.ex.url).search, '');
    // The upstream shape, with the required mushafId, through the client's generated operation.
    const withMushaf = await prefWrite(() => api.raw.postV1Preferences({
      query: { mushafId: MUSHAF }, body: { group: 'language', key: 'language', value: 'ar' },
    }));
    assert.deepEqual(withMushaf.result.data, { message: 'preference updated' });
    assert.equal(new URL(withMushaf.ex.url).search, `?mushafId=${MUSHAF}`);
    const prefs = await read(() => api.preferences.get());
    assert.equal(prefs.data.theme.type, 'dark');
    assert.equal(prefs.data.audio.reciter, 7);
    assert.equal(prefs.data.audio.playbackRate, 1);
    assert.deepEqual(prefs.data.translations.selectedTranslations, [131, 20]);
    assert.equal(prefs.data.language.language, 'ar');
    assert.equal(await head(server, token), before, 'preferences move no head');
    assert.deepEqual((await pullSince(server, token, before)).mutations, []);
  });

  test('b. error responses and synclog\'s conditional requests', async () => {
    // 401: no token (plain request), and a bad one through the client (it throws).
    const anonymous = await http(server, 'GET', `/v1/bookmarks?mushafId=${MUSHAF}`);
    assert.equal(anonymous.status, 401);
    const badClient = createPublicClient({
      clientId: CLIENT_ID, clientType: 'public', services: { authBaseUrl: server.baseUrl },
      userSession: { accessToken: 'not-a-token' }, fetch: recordingFetch,
    });
    await assert.rejects(() => badClient.auth.v1.notes.list(), (e) => e.status === 401 && e.payload.type === 'unauthorized');
    const noTokenSync = await http(server, 'GET', '/v1/sync?mutationsSince=0');
    assert.equal(noTokenSync.status, 401);

    // 404: an unknown note, through the client.
    await assert.rejects(() => api.notes.get('no-such-note'), (e) => e.status === 404);
    await assert.rejects(() => api.notes.update('no-such-note', { body: 'A body long enough' }), (e) => e.status === 404);

    // 422: invalid bodies, through the client.
    await assert.rejects(() => api.notes.create({ body: 'short', ranges: ['2:255-2:255'] }), (e) => e.status === 422);
    await assert.rejects(() => api.bookmarks.create({ key: 115, type: 'surah', mushafId: MUSHAF }), (e) => e.status === 422);
    await assert.rejects(() => api.collections.create({ name: '' }), (e) => e.status === 422);

    // A note to make conditional requests on.
    const created = await http(server, 'POST', '/v1/notes', { token, body: { body: 'A note for preconditions', ranges: ['1:1-1:7'] } });
    assert.equal(created.status, 200, created.text);
    const noteId = created.json.data.id;
    const etag = created.headers.etag;
    assert.match(etag ?? '', /^"\d+"$/);
    const now = await head(server, token);

    // 409: a wrong lastMutationAt query parameter on a direct write (nothing is applied); the
    // right one is applied.
    const stale = await http(server, 'PATCH', `/v1/notes/${noteId}?lastMutationAt=${now - 1}`, { token, body: { body: 'Not applied, stale' } });
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.json.error.code, 'OutOfSyncError');
    assert.equal(await head(server, token), now);
    const current = await http(server, 'PATCH', `/v1/notes/${noteId}?lastMutationAt=${now}`, { token, body: { body: 'Applied at the head' } });
    assert.equal(current.status, 200, current.text);
    const newEtag = current.headers.etag;

    // 412: a stale If-Match.
    const precondition = await http(server, 'PATCH', `/v1/notes/${noteId}`, { token, body: { body: 'Not applied, old version' }, headers: { 'if-match': etag } });
    assert.equal(precondition.status, 412, precondition.text);
    // 304: a conditional GET naming the current version; 200 for an old one.
    const notModified = await http(server, 'GET', `/v1/notes/${noteId}`, { token, headers: { 'if-none-match': newEtag } });
    assert.equal(notModified.status, 304, notModified.text);
    assert.equal(notModified.headers.etag, newEtag);
    const modified = await http(server, 'GET', `/v1/notes/${noteId}`, { token, headers: { 'if-none-match': etag } });
    assert.equal(modified.status, 200);
    assert.equal(modified.json.data.body, 'Applied at the head');

    // /v1/sync: a pull, a push, a stale push (409) and an invalid batch (422).
    const full = await http(server, 'GET', '/v1/sync?mutationsSince=-1', { token });
    assert.equal(full.status, 200);
    const unreadable = await http(server, 'GET', '/v1/sync?mutationsSince=yesterday', { token });
    assert.equal(unreadable.status, 422, unreadable.text);
    const paged = await http(server, 'GET', '/v1/sync?mutationsSince=0&limit=2&page=1', { token });
    assert.equal(paged.status, 200);
    assert.equal(paged.json.data.hasMore, paged.json.data.total > 2);
    const h = await head(server, token);
    const pushed = await http(server, 'POST', `/v1/sync?lastMutationAt=${h}`, {
      token,
      body: { mutations: [
        { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Pushed' } },
        { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 1, verseNumber: 1, mushaf: MUSHAF } },
      ] },
    });
    assert.equal(pushed.status, 200, pushed.text);
    assert.equal(pushed.headers['x-mutation-at'], String(pushed.json.data.lastMutationAt));
    const outOfSync = await http(server, 'POST', `/v1/sync?lastMutationAt=${h}`, {
      token, body: { mutations: [{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'Late' } }] },
    });
    assert.equal(outOfSync.status, 409, outOfSync.text);
    // An Idempotency-Key: the retry, after the head moved, replays the first answer byte for
    // byte; the key reused for another body is 422.
    const keyed = { mutations: [{ type: 'CREATE', resource: 'NOTE', data: { body: 'Keyed note body', ranges: ['1:1-1:2'] } }] };
    const hk = await head(server, token);
    const once = await http(server, 'POST', `/v1/sync?lastMutationAt=${hk}`, { token, body: keyed, headers: { 'idempotency-key': 'interop-key-1' } });
    assert.equal(once.status, 200, once.text);
    const replay = await http(server, 'POST', `/v1/sync?lastMutationAt=${hk}`, { token, body: keyed, headers: { 'idempotency-key': 'interop-key-1' } });
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.text, once.text);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const reused = await http(server, 'POST', `/v1/sync?lastMutationAt=${hk}`, {
      token, body: { mutations: [] }, headers: { 'idempotency-key': 'interop-key-1' },
    });
    assert.equal(reused.status, 422, reused.text);
    // 410: none here (nothing was purged); its shape is the 409's, covered by the C++ tests.
    // 422: a mushafId that is not a mushaf (absent is accepted, see the preferences test).
    const badMushaf = await http(server, 'POST', '/v1/preferences?mushafId=8', { token, body: { group: 'theme', key: 'type', value: 'dark' } });
    assert.equal(badMushaf.status, 422, badMushaf.text);

    const invalid = await http(server, 'POST', `/v1/sync?lastMutationAt=${pushed.json.data.lastMutationAt}`, {
      token, body: { mutations: [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 115, verseNumber: 1 } }] },
    });
    assert.equal(invalid.status, 422, invalid.text);
    assert.equal(invalid.json.error.code, 'ValidationError');
  });

  // Operation and status pairs each document must have validated: a guard against a flow that
  // silently stops exercising an endpoint.
  const EXPECTED_UPSTREAM = [
    'POST /v1/bookmarks 200', 'GET /v1/bookmarks 200', 'GET /v1/bookmarks/bookmark 200',
    'GET /v1/bookmarks/collections 200', 'GET /v1/bookmarks/ayahs-range 200', 'DELETE /v1/bookmarks/{bookmarkId} 200',
    'POST /v1/collections 200', 'GET /v1/collections 200', 'GET /v1/collections/all 200',
    'GET /v1/collections/{collectionId} 200', 'POST /v1/collections/{collectionId} 200',
    'DELETE /v1/collections/{collectionId} 200', 'POST /v1/collections/{collectionId}/bookmarks 200',
    'DELETE /v1/collections/{collectionId}/bookmarks/{bookmarkId} 200', 'DELETE /v1/collections/{collectionId}/bookmarks 200',
    'POST /v1/notes 200', 'GET /v1/notes 200', 'GET /v1/notes/{noteId} 200', 'PATCH /v1/notes/{noteId} 200',
    'DELETE /v1/notes/{noteId} 200', 'GET /v1/notes/by-verse/{verseKey} 200', 'GET /v1/notes/by-range 200',
    'GET /v1/notes/by-attached-entity 200', 'GET /v1/notes/count-within-range 200',
    'POST /v1/reading-sessions 200', 'GET /v1/reading-sessions 200',
    'POST /v1/preferences 200', 'POST /v1/preferences/bulk 200', 'GET /v1/preferences 200',
    'GET /v1/sync 200', 'GET /v1/sync 422', 'POST /v1/sync 200', 'POST /v1/sync 409', 'POST /v1/sync 422',
    'GET /v1/bookmarks 401', 'GET /v1/notes 401', 'GET /v1/sync 401', 'GET /v1/notes/{noteId} 404',
    'PATCH /v1/notes/{noteId} 404', 'POST /v1/notes 422', 'POST /v1/bookmarks 422', 'POST /v1/collections 422',
    'POST /v1/preferences 422',
  ];
  // synclog's own extensions, defined only in its document.
  const EXPECTED_SYNCLOG_ONLY = ['PATCH /v1/notes/{noteId} 409', 'PATCH /v1/notes/{noteId} 412', 'GET /v1/notes/{noteId} 304',
    'POST /v1/notes/{noteId}/publish 501'];

  function assertValid(checker, expected) {
    const { failures, validated, skipped } = validateAll(checker, exchanges);
    assert.deepEqual(failures, [], `responses that do not validate against ${checker.name}:\n${failures.join('\n')}`);
    const missing = expected.filter((k) => !validated.has(k));
    assert.deepEqual(missing, [], `not exercised: ${missing.join(', ')}`);
    return { validated, skipped };
  }

  test('b. every response validates against synclog\'s own /openapi.json', async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    assert.equal(res.status, 200);
    const checker = new DocumentChecker('synclog /openapi.json', await res.json());
    const { skipped } = assertValid(checker, [...EXPECTED_UPSTREAM, ...EXPECTED_SYNCLOG_ONLY]);
    // synclog's document defines everything it serves: nothing is skipped.
    assert.deepEqual([...skipped], []);
  });

  test('b. every response validates against the upstream pre-live document, where it defines them', (t) => {
    if (!existsSync(UPSTREAM_DOC)) {
      t.skip(`the upstream document ${UPSTREAM_DOC} is absent (outside this workspace): not validated against it`);
      return;
    }
    const checker = new DocumentChecker('upstream pre-live v1.json', JSON.parse(readFileSync(UPSTREAM_DOC, 'utf8')));
    const { skipped } = assertValid(checker, EXPECTED_UPSTREAM);
    // What upstream does not define is synclog's (304, 412, 409 on direct writes, 501 for
    // publishing) and nothing else.
    for (const s of skipped) {
      assert.match(s, /defines no (304|412|409|501) for /, `skipped against upstream: ${s}`);
    }
    t.diagnostic(`not in the upstream document (synclog extensions): ${[...skipped].sort().join('; ')}`);
  });

  // The checks are not vacuous: a real answer, altered the ways a strict client would notice,
  // fails against each document.
  test('b. the validation rejects altered responses', async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    const checkers = [new DocumentChecker('synclog /openapi.json', await res.json())];
    if (existsSync(UPSTREAM_DOC)) {
      checkers.push(new DocumentChecker('upstream pre-live v1.json', JSON.parse(readFileSync(UPSTREAM_DOC, 'utf8'))));
    }
    const original = exchanges.find((ex) => ex.method === 'POST' && ex.pathname === '/v1/bookmarks' && ex.status === 200);
    const pull = exchanges.find((ex) => ex.method === 'GET' && ex.pathname === '/v1/sync' && ex.status === 200
      && ex.json.data.mutations?.length);
    assert.ok(original && pull);
    const altered = (ex, change) => {
      const json = structuredClone(ex.json);
      const headers = { ...ex.headers };
      change(json, headers);
      return { ...ex, json, headers, text: JSON.stringify(json) };
    };
    const bad = [
      ['an extra property', altered(original, (j) => { j.data.version = 3; })],
      ['a missing required property', altered(original, (j) => { delete j.data.isReading; })],
      ['a wrong type', altered(original, (j) => { j.data.key = '2'; })],
      ['a malformed date-time', altered(original, (j) => { j.data.createdAt = 'yesterday'; })],
      ['a missing X-Mutation-At', altered(original, (j, h) => { delete h['x-mutation-at']; })],
      ['an extra envelope key', altered(pull, (j) => { j.data.cursor = 1; })],
      ['an unknown resource', altered(pull, (j) => { j.data.mutations[0].resource = 'GOAL'; })],
      ['a non-JSON body', { ...original, json: undefined, text: 'OK' }],
    ];
    for (const checker of checkers) {
      assert.deepEqual(checker.check(original).errors, [], `${checker.name}: the original is valid`);
      for (const [what, ex] of bad) {
        const r = checker.check(ex);
        assert.ok(!r.skipped && r.errors.length > 0, `${checker.name} accepts ${what}`);
      }
      const unknown = checker.check({ ...original, status: 418 });
      assert.ok(unknown.skipped, `${checker.name} defines no 418`);
    }
  });

  test('c. /openapi.json is a valid OpenAPI 3 document and is docs/openapi.json byte for byte', async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const served = Buffer.from(await res.arrayBuffer());
    const committed = readFileSync(COMMITTED_DOC);
    assert.ok(served.equals(committed), `GET /openapi.json (${served.length} bytes) differs from ${COMMITTED_DOC} (${committed.length} bytes)`);
    const validator = new OpenAPISchemaValidator();
    const result = await validator.validate(JSON.parse(served.toString('utf8')));
    assert.equal(result.valid, true, `not a valid OpenAPI document: ${JSON.stringify(result.errors, null, 1)}`);
    assert.match(validator.version, /^3\./);
  });
});
