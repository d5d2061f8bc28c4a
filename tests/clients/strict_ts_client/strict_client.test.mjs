// The strict TypeScript client (SPEC section 6) against the real synclog binary: a full offline
// edit / sync cycle with two devices of one user, a traversal restarted because another device
// wrote between pages (and a head confirmed only once it is stable), and a 429 honoured.
// Run: SYNCLOG_BIN=/path/to/synclog node --test strict_client.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer } from '../synclog_server.mjs';
import { StrictClient, ProtocolError, FAVORITES, PAGE_LIMIT, validatePage, validateEntry } from './strict_client.mjs';

function device(server, token, clientId) {
  return new StrictClient({ baseUrl: server.baseUrl, token, clientId });
}

// A plain API client for writes "from another device" in the middle of a traversal.
async function rawPush(server, token, mutations) {
  const headers = { 'x-auth-token': token, 'x-client-id': 'web', 'content-type': 'application/json' };
  const meta = await fetch(`${server.baseUrl}/v1/sync?mutationsSince=0&metadataOnly=true`, { headers });
  assert.equal(meta.status, 200);
  const head = (await meta.json()).data.lastMutationAt;
  const r = await fetch(`${server.baseUrl}/v1/sync?lastMutationAt=${head}`, {
    method: 'POST', headers, body: JSON.stringify({ mutations }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.data;
}

function names(client, resource, field) {
  return [...client.store.get(resource).values()].map((d) => d[field]).sort();
}

function bookmarkLabels(client) {
  return [...client.store.get('BOOKMARK').values()].map((b) => `${b.key}:${b.verseNumber}`).sort();
}

function favorites(client) {
  return [...client.store.get('BOOKMARK').values()].filter((b) => b.isInDefaultCollection === true)
    .map((b) => `${b.key}:${b.verseNumber}`).sort();
}

function memberships(client) {
  const c = client.store.get('COLLECTION');
  const b = client.store.get('BOOKMARK');
  return [...client.store.get('COLLECTION_BOOKMARK').values()].map((m) => {
    const bm = b.get(m.bookmarkId);
    return `${c.get(m.collectionId)?.name ?? '?'} <- ${bm ? `${bm.key}:${bm.verseNumber}` : '?'}`;
  }).sort();
}

// Every traversal pages with limit=1000 from page 1 and ends with a metadataOnly confirmation.
function assertWireDiscipline(client) {
  const reqs = client.stats.requests;
  for (const r of reqs) {
    if (r.method === 'GET' && !r.path.includes('metadataOnly=true')) {
      assert.match(r.path, new RegExp(`&limit=${PAGE_LIMIT}&page=\\d+$`), r.path);
    }
  }
  for (let i = 0; i < reqs.length; i++) {
    if (reqs[i].method === 'POST') {
      const m = /lastMutationAt=(-?\d+)/.exec(reqs[i].path);
      assert.ok(m && Number(m[1]) > 0, `a push at a head <= 0: ${reqs[i].path}`);
    }
  }
  const last = reqs.filter((r) => r.method === 'GET').at(-1);
  if (last) assert.match(last.path, /metadataOnly=true/, 'the last GET confirms the head');
}

describe('strict TypeScript client', () => {
  // The client's strictness is real: each rule it applies to the server rejects a bad answer.
  test('validators reject what a strict client rejects', () => {
    const entry = {
      type: 'CREATE', resource: 'BOOKMARK', resourceId: 'b1', timestamp: 11,
      data: { type: 'ayah', bookmarkType: 'ayah', bookmarkGroup: 'verses_6236', key: 2, verseNumber: 255,
        isInDefaultCollection: false, isReading: false },
    };
    const page = (over = {}) => ({ success: true, data: {
      mutations: [entry], page: 1, limit: PAGE_LIMIT, total: 1, hasMore: false, lastMutationAt: 12, ...over } });
    assert.doesNotThrow(() => validatePage(page(), 1, 10));
    assert.throws(() => validatePage({ ...page(), extra: 1 }, 1, 10), ProtocolError);
    assert.throws(() => validatePage(page({ cursor: 1 }), 1, 10), ProtocolError);
    assert.throws(() => validatePage(page({ page: 2 }), 1, 10), ProtocolError);
    assert.throws(() => validatePage(page({ limit: 100 }), 1, 10), ProtocolError);
    assert.throws(() => validatePage(page({ hasMore: true }), 1, 10), ProtocolError);
    assert.throws(() => validatePage(page({ lastMutationAt: 10 }), 1, 10), ProtocolError);
    assert.throws(() => validateEntry({ ...entry, version: 3 }, 'e'), ProtocolError);
    assert.throws(() => validateEntry({ ...entry, data: { ...entry.data, modifiedBy: 'x' } }, 'e'), ProtocolError);
    assert.throws(() => validateEntry({ ...entry, resourceId: ' ' }, 'e'), ProtocolError);
    const membership = { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', timestamp: 11, data: { collectionId: 'c', bookmarkId: 'b' } };
    assert.doesNotThrow(() => validateEntry(membership, 'e'));
    assert.throws(() => validateEntry({ ...membership, resourceId: 'c-b' }, 'e'), ProtocolError);
    assert.throws(() => validateEntry({ ...membership, data: { ...membership.data, clientUpdatedAt: 'x' } }, 'e'), ProtocolError);
    assert.throws(() => validateEntry({ ...entry, type: 'DELETE', data: { key: 2 } }, 'e'), ProtocolError);
  });

  describe('two devices of one user, offline edits, sync and convergence', () => {
    let server;
    let token;
    before(async () => {
      server = await startServer();
      token = server.token('yusuf');
    });
    after(async () => {
      const { exited } = await server.stop();
      assert.deepEqual(exited, { code: 0, signal: null }, 'the server drains and exits cleanly on SIGTERM');
    });

    test('full offline edit / sync cycle', { timeout: 120000 }, async () => {
      const phone = device(server, token, 'phone');
      const tablet = device(server, token, 'tablet');

      // Offline from the start: the phone has no head yet and refuses to push.
      const draft = phone.createNote('A draft written offline', ['2:255-2:255']);
      await assert.rejects(phone.push(), ProtocolError);
      assert.equal(phone.stats.requests.length, 0, 'nothing was sent');
      assert.equal(phone.queue.length, 1, 'nothing was lost');

      // Phone, offline: a collection, two bookmarks in it, one in Favorites, the note edited
      // again, a reading position.
      const duas = phone.createCollection('Duas');
      const kursi = phone.createAyahBookmark(2, 255);
      const last = phone.createAyahBookmark(2, 286);
      phone.addToCollection(duas, kursi);
      phone.addToCollection(duas, last);
      phone.addToCollection(FAVORITES, kursi);
      phone.updateNote(draft, 'Ayat al-Kursi, read every night');
      phone.startReadingSession(2, 255);

      // Tablet, offline: other things.
      const short = tablet.createCollection('Short surahs');
      const ikhlas = tablet.createAyahBookmark(112, 1);
      tablet.addToCollection(short, ikhlas);
      tablet.createNote('Al-Ikhlas equals a third of the Quran', ['112:1-112:4']);

      await phone.sync();
      assert.equal(phone.queue.length, 0);
      assert.ok(phone.cursor > 0);

      // The tablet pulls, then the phone writes again before the tablet pushes: the tablet's
      // push gets 409, pulls, rebases and retries once.
      await tablet.pull();
      phone.renameCollection(phone.find('COLLECTION', (c) => c.name === 'Duas'), 'Duas (morning)');
      await phone.sync();
      await tablet.push();
      assert.equal(tablet.stats.conflicts, 1);
      assert.equal(tablet.queue.length, 0);
      await tablet.pull();
      assert.deepEqual(names(tablet, 'COLLECTION', 'name'), ['Duas (morning)', 'Short surahs']);
      await phone.pull();
      assert.deepEqual(phone.snapshot(), tablet.snapshot(), 'both have seen everything');

      // Second offline round: the tablet edits and deletes the phone's things, the phone does
      // other things.
      const tDuas = tablet.find('COLLECTION', (c) => c.name === 'Duas (morning)');
      tablet.deleteBookmark(tablet.find('BOOKMARK', (b) => b.key === 2 && b.verseNumber === 286));
      tablet.updateNote(tablet.find('NOTE', (n) => n.body.startsWith('Ayat al-Kursi')), 'Ayat al-Kursi, read every night (and after each prayer)');
      tablet.moveReadingSession(tablet.find('READING_SESSION', () => true), 3, 1);
      tablet.addToCollection(tDuas, tablet.find('BOOKMARK', (b) => b.key === 112));
      phone.createNote('Written on the phone while offline again', ['1:1-1:7']);
      phone.addToCollection(FAVORITES, phone.find('BOOKMARK', (b) => b.key === 112));
      phone.removeFromCollection(phone.find('COLLECTION', (c) => c.name === 'Short surahs'), phone.find('BOOKMARK', (b) => b.key === 112));

      await tablet.sync();
      await phone.sync();
      await tablet.sync();
      await phone.sync();

      const fresh = device(server, token, 'laptop');
      await fresh.sync();
      assert.deepEqual(phone.snapshot(), fresh.snapshot());
      assert.deepEqual(tablet.snapshot(), fresh.snapshot());

      assert.deepEqual(names(fresh, 'COLLECTION', 'name'), ['Duas (morning)', 'Short surahs']);
      assert.deepEqual(bookmarkLabels(fresh), ['112:1', '2:255']);
      assert.deepEqual(favorites(fresh), ['112:1', '2:255']);
      assert.deepEqual(memberships(fresh), ['Duas (morning) <- 112:1', 'Duas (morning) <- 2:255']);
      assert.deepEqual(names(fresh, 'NOTE', 'body'), [
        'Al-Ikhlas equals a third of the Quran',
        'Ayat al-Kursi, read every night (and after each prayer)',
        'Written on the phone while offline again',
      ]);
      const sessions = [...fresh.store.get('READING_SESSION').values()].map((s) => `${s.chapterNumber}:${s.verseNumber}`);
      assert.deepEqual(sessions, ['3:1']);

      for (const c of [phone, tablet, fresh]) assertWireDiscipline(c);
      assert.equal(phone.stats.restarts + tablet.stats.restarts + fresh.stats.restarts, 0);
    });
  });

  describe('paging while another device writes', () => {
    let server;
    let token;
    before(async () => {
      server = await startServer();
      token = server.token('maryam');
    });
    after(async () => { await server.stop(); });

    test('a traversal restarts when lastMutationAt changes between pages', { timeout: 120000 }, async () => {
      // 1100 bookmarks: two pages of 1000.
      const verses = [];
      for (const [surah, count] of [[2, 286], [3, 200], [4, 176], [5, 120], [6, 165], [7, 206]]) {
        for (let v = 1; v <= count && verses.length < 1100; v++) verses.push([surah, v]);
      }
      for (let i = 0; i < verses.length; i += 100) {
        await rawPush(server, token, verses.slice(i, i + 100).map(([key, verseNumber]) => ({
          type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key, verseNumber },
        })));
      }

      const reader = device(server, token, 'reader');
      const pages = [];
      let wrote = false;
      reader.onPage = async ({ page, data }) => {
        pages.push([page, data.lastMutationAt]);
        if (page === 1 && !wrote) {
          wrote = true;
          // Another device moves a bookmark from page 1 to the end, and adds a collection.
          await rawPush(server, token, [
            { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 1, isReading: true } },
            { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Written between pages' } },
          ]);
        }
      };
      await reader.pull();
      assert.equal(reader.stats.restarts, 1);
      assert.deepEqual(pages.map(([p]) => p), [1, 2, 1, 2], 'page 1, page 2 (new head: restart), page 1, page 2');
      assert.notEqual(pages[0][1], pages[1][1]);
      assert.equal(pages[2][1], pages[3][1]);
      assert.equal(reader.cursor, pages[3][1]);
      assert.equal(reader.store.get('BOOKMARK').size, 1100);
      assert.deepEqual(names(reader, 'COLLECTION', 'name'), ['Written between pages']);
      const reading = [...reader.store.get('BOOKMARK').values()].filter((b) => b.isReading);
      assert.deepEqual(reading.map((b) => `${b.key}:${b.verseNumber}`), ['2:1']);

      // A write after the last page of a traversal: metadataOnly shows a newer head, so the
      // client pulls again before it stores a cursor.
      let late = false;
      reader.onPage = async ({ data }) => {
        if (!data.hasMore && !late) {
          late = true;
          await rawPush(server, token, [{ type: 'CREATE', resource: 'NOTE', data: { body: 'Written after the last page', ranges: ['7:1-7:2'] } }]);
        }
      };
      const before = reader.cursor;
      await reader.pull();
      assert.equal(reader.stats.repulls, 1);
      assert.ok(reader.cursor > before);
      assert.deepEqual(names(reader, 'NOTE', 'body'), ['Written after the last page']);
      reader.onPage = null;

      const fresh = device(server, token, 'fresh');
      await fresh.pull();
      assert.equal(fresh.cursor, reader.cursor);
      assert.deepEqual(reader.snapshot(), fresh.snapshot());
      assertWireDiscipline(reader);
      assertWireDiscipline(fresh);
    });
  });

  describe('rate limiting', () => {
    let server;
    let token;
    before(async () => {
      server = await startServer(['--rate-limit', '2', '--rate-burst', '2']);
      token = server.token('ilyas');
    });
    after(async () => { await server.stop(); });

    test('429 with Retry-After is waited out and the sync completes', { timeout: 120000 }, async () => {
      const client = device(server, token, 'phone');
      const c = client.createCollection('Memorisation');
      const b = client.createAyahBookmark(67, 1);
      client.addToCollection(c, b);
      client.createNote('Al-Mulk, memorised this week', ['67:1-67:30']);
      // pull (page + metadataOnly), two POSTs, pull again: more than a burst of 2.
      await client.sync();
      assert.ok(client.stats.rateLimitWaits.length >= 1, JSON.stringify(client.stats.requests));
      for (const w of client.stats.rateLimitWaits) assert.ok(w >= 1000, `Retry-After ${w} ms`);
      assert.ok(client.stats.requests.some((r) => r.status === 429));
      assert.equal(client.queue.length, 0);

      const fresh = device(server, token, 'tablet');
      await fresh.sync();
      assert.deepEqual(client.snapshot(), fresh.snapshot());
      assert.deepEqual(memberships(fresh), ['Memorisation <- 67:1']);
      assertWireDiscipline(client);
    });
  });
});
