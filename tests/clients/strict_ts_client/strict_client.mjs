// A strict client for the Quran Foundation Sync API, behaving like the strict TypeScript client
// of a React Native app (SPEC section 6). Plain JavaScript for Node 20, no dependencies.
//
// On the wire it:
//  - pulls with limit=1000&page=1..N from its cursor, and rejects any key it does not know in the
//    envelope ({success, data}), in the page ({mutations, page, limit, total, hasMore,
//    lastMutationAt}), in each entry ({type, resource, resourceId?, data, timestamp}) and in each
//    resource's data (ALLOWED_DATA_KEYS; a DELETE carries {} or {collectionId, bookmarkId});
//  - requires page and limit echoed and hasMore === page * limit < total;
//  - restarts a traversal from page 1 when lastMutationAt changes between pages;
//  - confirms the head with metadataOnly=true before storing it as its cursor;
//  - refuses to push while the head is <= 0;
//  - on 409 pulls, rebases its queue and retries once;
//  - honours Retry-After on 429.
// Everything it refuses throws a ProtocolError: a real app would fail the sync.

export const RESOURCES = ['BOOKMARK', 'COLLECTION', 'COLLECTION_BOOKMARK', 'NOTE', 'READING_SESSION'];
export const FAVORITES = '__default__';
export const PAGE_LIMIT = 1000;
const MAX_BATCH = 100;
const CLIENT_TIMES = ['clientCreatedAt', 'clientUpdatedAt'];

export const ALLOWED_DATA_KEYS = {
  BOOKMARK: ['type', 'bookmarkType', 'bookmarkGroup', 'key', 'verseNumber', 'mushaf',
    'isInDefaultCollection', 'isReading', ...CLIENT_TIMES],
  COLLECTION: ['name', 'slug', 'isPrivate', ...CLIENT_TIMES],
  COLLECTION_BOOKMARK: ['collectionId', 'bookmarkId', ...CLIENT_TIMES],
  NOTE: ['body', 'ranges', 'source', 'attachedEntities', ...CLIENT_TIMES],
  READING_SESSION: ['chapterNumber', 'verseNumber', ...CLIENT_TIMES],
};
const ENVELOPE_KEYS = ['success', 'data'];
const PAGE_KEYS = ['mutations', 'page', 'limit', 'total', 'hasMore', 'lastMutationAt'];
const ENTRY_KEYS = ['type', 'resource', 'resourceId', 'data', 'timestamp'];
const PUSH_DATA_KEYS = ['mutations', 'lastMutationAt'];
const TYPES = ['CREATE', 'UPDATE', 'DELETE'];

export class ProtocolError extends Error {}

export class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export class ConflictError extends Error {}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isTimestamp(v) {
  return Number.isSafeInteger(v);
}

// Every key of `obj` is in `allowed` and every key of `required` is present.
function checkKeys(obj, allowed, required, where) {
  if (!isPlainObject(obj)) throw new ProtocolError(`${where}: not an object: ${JSON.stringify(obj)}`);
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ProtocolError(`${where}: unknown key "${k}" in ${JSON.stringify(obj)}`);
  }
  for (const k of required) {
    if (!(k in obj)) throw new ProtocolError(`${where}: missing "${k}" in ${JSON.stringify(obj)}`);
  }
}

export function validateEntry(e, where) {
  checkKeys(e, ENTRY_KEYS, ['type', 'resource', 'data', 'timestamp'], where);
  if (!TYPES.includes(e.type)) throw new ProtocolError(`${where}: type ${e.type}`);
  if (!RESOURCES.includes(e.resource)) throw new ProtocolError(`${where}: resource ${e.resource}`);
  if (!isTimestamp(e.timestamp)) throw new ProtocolError(`${where}: timestamp ${e.timestamp}`);
  if (e.resource === 'COLLECTION_BOOKMARK') {
    if ('resourceId' in e) throw new ProtocolError(`${where}: a COLLECTION_BOOKMARK entry with a resourceId`);
  } else if (typeof e.resourceId !== 'string' || e.resourceId.trim() === '') {
    throw new ProtocolError(`${where}: no resourceId`);
  }
  if (!isPlainObject(e.data)) throw new ProtocolError(`${where}: data is not an object`);
  const keys = Object.keys(e.data).sort();
  if (e.type === 'DELETE') {
    const membership = keys.length === 2 && keys[0] === 'bookmarkId' && keys[1] === 'collectionId';
    if (keys.length !== 0 && !(membership && e.resource === 'COLLECTION_BOOKMARK')) {
      throw new ProtocolError(`${where}: a DELETE with data ${JSON.stringify(e.data)}`);
    }
  } else {
    checkKeys(e.data, ALLOWED_DATA_KEYS[e.resource], [], `${where} data`);
  }
  if (e.resource === 'COLLECTION_BOOKMARK') {
    if (typeof e.data.collectionId !== 'string' || typeof e.data.bookmarkId !== 'string') {
      throw new ProtocolError(`${where}: a membership without collectionId/bookmarkId`);
    }
    if (e.data.collectionId === FAVORITES) throw new ProtocolError(`${where}: a Favorites membership entry`);
  }
}

export function validatePage(body, page, since) {
  checkKeys(body, ENVELOPE_KEYS, ENVELOPE_KEYS, 'GET envelope');
  if (body.success !== true) throw new ProtocolError('GET: success is not true');
  const d = body.data;
  checkKeys(d, PAGE_KEYS, PAGE_KEYS, 'GET data');
  if (!Array.isArray(d.mutations)) throw new ProtocolError('GET: mutations is not an array');
  if (d.page !== page) throw new ProtocolError(`GET: page ${d.page} echoed for page ${page}`);
  if (d.limit !== PAGE_LIMIT) throw new ProtocolError(`GET: limit ${d.limit} echoed for ${PAGE_LIMIT}`);
  if (!Number.isSafeInteger(d.total) || d.total < 0) throw new ProtocolError(`GET: total ${d.total}`);
  if (typeof d.hasMore !== 'boolean' || d.hasMore !== d.page * d.limit < d.total) {
    throw new ProtocolError(`GET: hasMore ${d.hasMore} with page ${d.page}, limit ${d.limit}, total ${d.total}`);
  }
  if (!isTimestamp(d.lastMutationAt)) throw new ProtocolError(`GET: lastMutationAt ${d.lastMutationAt}`);
  const expected = Math.max(0, Math.min(d.limit, d.total - (d.page - 1) * d.limit));
  if (d.mutations.length !== expected) {
    throw new ProtocolError(`GET: ${d.mutations.length} entries on page ${page} of ${d.total} (expected ${expected})`);
  }
  d.mutations.forEach((e, i) => {
    validateEntry(e, `GET page ${page} entry ${i}`);
    if (e.timestamp <= since || e.timestamp > d.lastMutationAt) {
      throw new ProtocolError(`GET: entry ts ${e.timestamp} outside (${since}, ${d.lastMutationAt}]`);
    }
  });
  return d;
}

const sleepFor = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class StrictClient {
  // baseUrl: "http://host:port"; token; clientId (x-client-id).
  constructor({ baseUrl, token, clientId, sleep = sleepFor }) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.clientId = clientId;
    this.sleep = sleep;
    this.store = new Map(RESOURCES.map((r) => [r, new Map()]));
    this.queue = [];
    this.cursor = null; // the confirmed head; null before the first pull
    this.tmp = 0;
    // Called with each validated page ({ page, since, data }) before the client looks at its
    // head; tests use it to write from another device between pages.
    this.onPage = null;
    this.stats = { restarts: 0, conflicts: 0, repulls: 0, rateLimitWaits: [], requests: [] };
  }

  // ---- HTTP ----

  async request(method, path, body) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          'x-auth-token': this.token,
          'x-client-id': this.clientId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      this.stats.requests.push({ method, path, status: res.status });
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ProtocolError(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
      if (res.status === 429) {
        checkKeys(json, ['success', 'message', 'type'], ['success', 'message', 'type'], '429 body');
        const retryAfter = res.headers.get('retry-after');
        if (retryAfter === null || !/^\d+$/.test(retryAfter)) {
          throw new ProtocolError(`429 without a usable Retry-After: ${retryAfter}`);
        }
        if (attempt >= 20) throw new HttpError(method, path, 429, json);
        const wait = Number(retryAfter) * 1000;
        this.stats.rateLimitWaits.push(wait);
        await this.sleep(wait);
        continue;
      }
      return { status: res.status, json, headers: res.headers };
    }
  }

  // ---- pull ----

  // One traversal of every page from `since`, restarted from page 1 whenever lastMutationAt
  // changes between pages. Returns the entries and the head they are consistent with.
  async traverse(since) {
    for (let restart = 0; restart < 20; restart++) {
      const entries = [];
      let head = null;
      let total = null;
      let stable = true;
      for (let page = 1; ; page++) {
        const path = `/v1/sync?mutationsSince=${since}&limit=${PAGE_LIMIT}&page=${page}`;
        const r = await this.request('GET', path);
        if (r.status !== 200) throw new HttpError('GET', path, r.status, r.json);
        const d = validatePage(r.json, page, since);
        if (r.headers.get('x-mutation-at') !== String(d.lastMutationAt)) {
          throw new ProtocolError(`X-Mutation-At ${r.headers.get('x-mutation-at')} is not lastMutationAt ${d.lastMutationAt}`);
        }
        if (this.onPage) await this.onPage({ page, since, data: d });
        if (head !== null && d.lastMutationAt !== head) {
          this.stats.restarts++;
          stable = false;
          break;
        }
        if (total !== null && d.total !== total) {
          throw new ProtocolError(`total changed from ${total} to ${d.total} under the same head ${head}`);
        }
        head = d.lastMutationAt;
        total = d.total;
        entries.push(...d.mutations);
        if (!d.hasMore) break;
      }
      if (!stable) continue;
      for (let i = 1; i < entries.length; i++) {
        if (entries[i].timestamp <= entries[i - 1].timestamp) {
          throw new ProtocolError(`entries not ascending: ${entries[i - 1].timestamp} then ${entries[i].timestamp}`);
        }
      }
      return { entries, head };
    }
    throw new ProtocolError('no stable traversal after 20 restarts');
  }

  async metadataHead(since) {
    const path = `/v1/sync?mutationsSince=${since}&metadataOnly=true`;
    const r = await this.request('GET', path);
    if (r.status !== 200) throw new HttpError('GET', path, r.status, r.json);
    checkKeys(r.json, ENVELOPE_KEYS, ENVELOPE_KEYS, 'metadataOnly envelope');
    if (r.json.success !== true) throw new ProtocolError('metadataOnly: success is not true');
    checkKeys(r.json.data, ['lastMutationAt'], ['lastMutationAt'], 'metadataOnly data');
    if (!isTimestamp(r.json.data.lastMutationAt)) throw new ProtocolError('metadataOnly: lastMutationAt');
    return r.json.data.lastMutationAt;
  }

  // Pulls until a traversal's head is confirmed by metadataOnly, then stores it as the cursor.
  async pull() {
    let since = this.cursor ?? 0;
    const deleted = new Set();
    for (let round = 0; round < 20; round++) {
      const { entries, head } = await this.traverse(since);
      for (const k of this.applyRemote(entries)) deleted.add(k);
      const confirmed = await this.metadataHead(since);
      if (confirmed === head) {
        if (head <= 0) throw new ProtocolError(`the head is not positive: ${head}`);
        this.cursor = head;
        this.rebase(deleted);
        return head;
      }
      if (confirmed < head) throw new ProtocolError(`metadataOnly head ${confirmed} before the traversal's ${head}`);
      // Someone wrote after the traversal: what it read is consistent up to `head`.
      this.stats.repulls++;
      since = head;
    }
    throw new ProtocolError('the head never settled');
  }

  // Applies entries in order; returns "<resource>/<id>" of what ended up deleted.
  applyRemote(entries) {
    const deleted = new Set();
    for (const e of entries) {
      const table = this.store.get(e.resource);
      const key = e.resource === 'COLLECTION_BOOKMARK' ? `${e.data.collectionId}/${e.data.bookmarkId}` : e.resourceId;
      if (e.type === 'DELETE') {
        table.delete(key);
        deleted.add(`${e.resource}/${key}`);
      } else {
        table.set(key, structuredClone(e.data));
        deleted.delete(`${e.resource}/${key}`);
      }
    }
    return deleted;
  }

  // After a pull: re-base the queue on the new state. Edits of resources deleted elsewhere keep
  // what was typed (they become creates); deletes of resources already gone are dropped; pending
  // local state is laid over the pulled one.
  rebase(deleted) {
    const next = [];
    for (const m of this.queue) {
      if (m.resource === 'COLLECTION_BOOKMARK') {
        // A membership of a collection or bookmark deleted elsewhere cannot be pushed any more.
        if (deleted.has(`COLLECTION/${m.collectionId}`) || deleted.has(`BOOKMARK/${m.bookmarkId}`)) continue;
        next.push(m);
        continue;
      }
      const goneRemotely = deleted.has(`${m.resource}/${m.id}`);
      if (m.type === 'DELETE') {
        if (!goneRemotely) next.push(m);
        continue;
      }
      if (m.type === 'UPDATE' && goneRemotely) {
        const local = m.snapshot;
        const id = this.newTmpId();
        this.store.get(m.resource).set(id, structuredClone(local));
        next.push({ ...m, type: 'CREATE', id, fields: undefined });
        continue;
      }
      next.push(m);
    }
    this.queue = next;
    for (const m of this.queue) this.overlay(m);
  }

  overlay(m) {
    if (m.resource === 'COLLECTION_BOOKMARK') {
      if (m.collectionId === FAVORITES) {
        const b = this.store.get('BOOKMARK').get(m.bookmarkId);
        if (b) b.isInDefaultCollection = m.type === 'CREATE';
        return;
      }
      const key = `${m.collectionId}/${m.bookmarkId}`;
      if (m.type === 'CREATE') this.store.get('COLLECTION_BOOKMARK').set(key, { collectionId: m.collectionId, bookmarkId: m.bookmarkId });
      else this.store.get('COLLECTION_BOOKMARK').delete(key);
      return;
    }
    const table = this.store.get(m.resource);
    if (m.type === 'DELETE') table.delete(m.id);
    else if (m.type === 'UPDATE' && table.has(m.id)) Object.assign(table.get(m.id), m.fields);
  }

  // ---- local edits (offline) ----

  isTmp(id) {
    return typeof id === 'string' && id.startsWith('tmp-');
  }

  newTmpId() {
    this.tmp += 1;
    return `tmp-${this.clientId}-${this.tmp}`;
  }

  find(resource, pred) {
    for (const [id, data] of this.store.get(resource)) if (pred(data)) return id;
    return null;
  }

  create(resource, data) {
    const id = this.newTmpId();
    this.store.get(resource).set(id, structuredClone(data));
    this.queue.push({ type: 'CREATE', resource, id });
    return id;
  }

  update(resource, id, fields) {
    const current = this.store.get(resource).get(id);
    if (!current) throw new Error(`no ${resource} ${id}`);
    Object.assign(current, fields);
    const pending = this.queue.find((m) => m.resource === resource && m.id === id);
    if (pending && pending.type === 'CREATE') return; // the create sends the current state
    if (pending && pending.type === 'UPDATE') {
      Object.assign(pending.fields, fields);
      pending.snapshot = structuredClone(current);
      return;
    }
    this.queue.push({ type: 'UPDATE', resource, id, fields: { ...fields }, snapshot: structuredClone(current) });
  }

  remove(resource, id) {
    this.store.get(resource).delete(id);
    const neverPushed = this.isTmp(id);
    this.queue = this.queue.filter((m) => !(m.resource === resource && m.id === id) &&
      !(m.resource === 'COLLECTION_BOOKMARK' && (m.collectionId === id || m.bookmarkId === id) && neverPushed));
    if (!neverPushed) this.queue.push({ type: 'DELETE', resource, id });
  }

  createCollection(name) { return this.create('COLLECTION', { name }); }
  renameCollection(id, name) { this.update('COLLECTION', id, { name }); }
  deleteCollection(id) { this.remove('COLLECTION', id); }
  createAyahBookmark(key, verseNumber) {
    const existing = this.find('BOOKMARK', (b) => (b.bookmarkType ?? b.type) === 'ayah' && b.key === key && b.verseNumber === verseNumber);
    return existing ?? this.create('BOOKMARK', { type: 'ayah', key, verseNumber });
  }
  deleteBookmark(id) { this.remove('BOOKMARK', id); }
  createNote(body, ranges) { return this.create('NOTE', { body, ranges }); }
  updateNote(id, body) { this.update('NOTE', id, { body }); }
  deleteNote(id) { this.remove('NOTE', id); }
  startReadingSession(chapterNumber, verseNumber) { return this.create('READING_SESSION', { chapterNumber, verseNumber }); }
  moveReadingSession(id, chapterNumber, verseNumber) { this.update('READING_SESSION', id, { chapterNumber, verseNumber }); }

  addToCollection(collectionId, bookmarkId) {
    this.queue = this.queue.filter((m) => !(m.resource === 'COLLECTION_BOOKMARK' && m.collectionId === collectionId && m.bookmarkId === bookmarkId));
    const m = { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', collectionId, bookmarkId };
    this.queue.push(m);
    this.overlay(m);
  }

  removeFromCollection(collectionId, bookmarkId) {
    this.queue = this.queue.filter((m) => !(m.resource === 'COLLECTION_BOOKMARK' && m.collectionId === collectionId && m.bookmarkId === bookmarkId));
    const m = { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', collectionId, bookmarkId };
    this.overlay(m);
    if (!this.isTmp(collectionId) && !this.isTmp(bookmarkId)) this.queue.push(m);
  }

  // ---- push ----

  payload(m) {
    if (m.resource === 'COLLECTION_BOOKMARK') {
      return { type: m.type, resource: m.resource, data: { collectionId: m.collectionId, bookmarkId: m.bookmarkId } };
    }
    const out = { type: m.type, resource: m.resource };
    if (m.type !== 'CREATE') out.resourceId = m.id;
    if (m.type === 'UPDATE') out.data = { ...m.fields, clientUpdatedAt: new Date().toISOString() };
    if (m.type === 'CREATE') {
      const s = this.store.get(m.resource).get(m.id);
      const now = new Date().toISOString();
      const pick = {
        BOOKMARK: () => ({ type: s.bookmarkType ?? s.type, key: s.key, verseNumber: s.verseNumber, mushafId: 4 }),
        COLLECTION: () => ({ name: s.name }),
        NOTE: () => ({ body: s.body, ranges: s.ranges }),
        READING_SESSION: () => ({ chapterNumber: s.chapterNumber, verseNumber: s.verseNumber }),
      }[m.resource];
      out.data = { ...pick(), clientCreatedAt: now, clientUpdatedAt: now };
    }
    return out;
  }

  ready(m) {
    return m.resource !== 'COLLECTION_BOOKMARK' || (!this.isTmp(m.collectionId) && !this.isTmp(m.bookmarkId));
  }

  validateAcks(body, sent, last) {
    checkKeys(body, ENVELOPE_KEYS, ENVELOPE_KEYS, 'POST envelope');
    if (body.success !== true) throw new ProtocolError('POST: success is not true');
    checkKeys(body.data, PUSH_DATA_KEYS, PUSH_DATA_KEYS, 'POST data');
    const acks = body.data.mutations;
    if (!Array.isArray(acks) || acks.length !== sent.length) {
      throw new ProtocolError(`POST: ${acks?.length} acks for ${sent.length} mutations`);
    }
    let previous = last;
    acks.forEach((a, i) => {
      const where = `ack ${i}`;
      const s = sent[i];
      checkKeys(a, ENTRY_KEYS, ['type', 'resource', 'resourceId', 'timestamp'], where);
      if (a.type !== s.type || a.resource !== s.resource) throw new ProtocolError(`${where}: ${a.type} ${a.resource} for ${s.type} ${s.resource}`);
      if (typeof a.resourceId !== 'string' || a.resourceId.trim() === '') throw new ProtocolError(`${where}: blank resourceId`);
      if (s.resourceId !== undefined && a.resourceId !== s.resourceId) throw new ProtocolError(`${where}: resourceId ${a.resourceId} for ${s.resourceId}`);
      if (s.resource === 'COLLECTION_BOOKMARK' && a.resourceId !== `${s.data.collectionId}-${s.data.bookmarkId}`) {
        throw new ProtocolError(`${where}: membership id ${a.resourceId}`);
      }
      if ('data' in a) {
        const allowed = [...ALLOWED_DATA_KEYS[s.resource], ...Object.keys(s.data ?? {})];
        checkKeys(a.data, allowed, [], `${where} data`);
        for (const k of ['collectionId', 'bookmarkId', 'key', 'verseNumber']) {
          if (k in a.data && s.data && k in s.data && a.data[k] !== s.data[k]) throw new ProtocolError(`${where}: ${k} differs`);
        }
      }
      if (!isTimestamp(a.timestamp) || a.timestamp <= previous) throw new ProtocolError(`${where}: timestamp ${a.timestamp} after ${previous}`);
      previous = a.timestamp;
    });
    if (body.data.lastMutationAt !== previous) {
      throw new ProtocolError(`POST: lastMutationAt ${body.data.lastMutationAt} is not the last ack's ${previous}`);
    }
    return acks;
  }

  rekey(resource, from, to) {
    const table = this.store.get(resource);
    if (table.has(from)) {
      table.set(to, { ...(table.get(to) ?? {}), ...table.get(from) });
      table.delete(from);
    }
    for (const m of this.queue) {
      if (m.resource === resource && m.id === from) m.id = to;
      if (m.resource === 'COLLECTION_BOOKMARK') {
        if (resource === 'COLLECTION' && m.collectionId === from) m.collectionId = to;
        if (resource === 'BOOKMARK' && m.bookmarkId === from) m.bookmarkId = to;
      }
    }
    const field = resource === 'COLLECTION' ? 'collectionId' : resource === 'BOOKMARK' ? 'bookmarkId' : null;
    if (!field) return;
    const memberships = this.store.get('COLLECTION_BOOKMARK');
    for (const [key, d] of [...memberships]) {
      if (d[field] !== from) continue;
      memberships.delete(key);
      const moved = { ...d, [field]: to };
      memberships.set(`${moved.collectionId}/${moved.bookmarkId}`, moved);
    }
  }

  // Pushes the queue at the confirmed head: batches in queue order, memberships of not yet
  // created collections or bookmarks after them, each POST chained on the previous answer.
  async push() {
    let retried = false;
    for (;;) {
      if (this.queue.length === 0) return;
      if (!(this.cursor > 0)) throw new ProtocolError(`refusing to push at head ${this.cursor}`);
      let last = this.cursor;
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.filter((m) => this.ready(m)).slice(0, MAX_BATCH);
          if (batch.length === 0) throw new Error('a membership names a collection or bookmark that is never created');
          if (!(last > 0)) throw new ProtocolError(`refusing to push at head ${last}`);
          const sent = batch.map((m) => this.payload(m));
          const path = `/v1/sync?lastMutationAt=${last}`;
          const r = await this.request('POST', path, { mutations: sent });
          if (r.status === 409) {
            checkKeys(r.json, ['success', 'error'], ['success', 'error'], '409 body');
            checkKeys(r.json.error, ['code', 'message'], ['code', 'message'], '409 error');
            if (r.json.error.code !== 'OutOfSyncError') throw new ProtocolError(`409 code ${r.json.error.code}`);
            throw Object.assign(new ConflictError(r.json.error.message), { status: 409 });
          }
          if (r.status !== 200) throw new HttpError('POST', path, r.status, r.json);
          const acks = this.validateAcks(r.json, sent, last);
          if (r.headers.get('x-mutation-at') !== String(r.json.data.lastMutationAt)) {
            throw new ProtocolError('POST: X-Mutation-At is not lastMutationAt');
          }
          batch.forEach((m, i) => {
            if (m.type === 'CREATE' && m.resource !== 'COLLECTION_BOOKMARK') this.rekey(m.resource, m.id, acks[i].resourceId);
          });
          this.queue = this.queue.filter((m) => !batch.includes(m));
          last = r.json.data.lastMutationAt;
        }
        return;
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        this.stats.conflicts++;
        if (retried) throw e;
        retried = true;
        await this.pull(); // rebases the queue too
      }
    }
  }

  // pull, push, and pull again (the pushed resources come back in the server's form).
  async sync() {
    await this.pull();
    if (this.queue.length === 0) return;
    await this.push();
    await this.pull();
  }

  // The store as a plain object with sorted keys, for comparisons.
  snapshot() {
    const out = {};
    for (const r of RESOURCES) {
      const table = this.store.get(r);
      out[r] = Object.fromEntries([...table.keys()].sort().map((k) => [k, table.get(k)]));
    }
    return out;
  }
}
