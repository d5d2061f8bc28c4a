// One space's sync: read what the server says of the space (role, schema version), pull from
// the cursor (a first pull brings master data first, with progress), then push the queue in
// conflictMode=field, one batch at a time under an Idempotency-Key stored before it is sent.
//
// Why the first pull is three passes: master data first lets a person start an inspection
// before the rest arrives, but a filtered pull's head cannot be the space's cursor (it never
// saw the other types). So: master types from 0 to their head H1, the other types from 0, then
// everything from H1, and only then the cursor moves. An entry seen twice is applied once.

import { applyPage, finishFullPull, purgeSpace, refuseBatch, settleBatch, type Ack, type PulledEntry } from './apply.js';
import { Api, ApiError, NetworkError } from './http.js';
import { request } from './idb.js';
import { recordKey, type DeviceStore } from './store.js';
import type { Batch, QueuedEdit, RecordRow, SchemaDocument, SpaceRow, SyncEvent } from './types.js';

export const PAGE_LIMIT = 1000;
export const BATCH_LIMIT = 100;

export interface SpaceSyncContext {
  api: Api;
  store: DeviceStore;
  now: () => number;
  emit: (e: SyncEvent) => void;
  progress: (spaceId: string, pulled: number, total: number) => void;
  feedLists: (spaceId: string) => Promise<boolean>;
}

interface PageAnswer {
  mutations: PulledEntry[];
  total: number;
  hasMore: boolean;
  lastMutationAt: number;
}

interface SpaceInfo {
  role: SpaceRow['role'];
  name: string;
  schema: string;
  schemaVersion: number;
  lastMutationAt: number;
}

const enc = encodeURIComponent;

export class SpaceGone extends Error {}

export async function syncSpace(ctx: SpaceSyncContext, spaceId: string): Promise<void> {
  let space = await ctx.store.space(spaceId);
  if (!space) return;
  const info = await guard(ctx, space, () => ctx.api.get<SpaceInfo>(`/v1/spaces/${enc(spaceId)}`));
  space = await ensureSchema(ctx, space, info.data);
  await pull(ctx, space, info.data.lastMutationAt);
  if (await push(ctx, spaceId)) {
    space = (await ctx.store.space(spaceId))!;
    await pull(ctx, space, 0);
  }
  space = (await ctx.store.space(spaceId))!;
  space.lastSyncMs = ctx.now();
  space.lastError = '';
  await ctx.store.putSpace(space);
}

// Runs a request of the space; a removal (403 SpaceAccessRevoked, or a 404 the person's feed
// confirms) purges the space, its unsynced edits kept in the quarantine.
async function guard<T>(ctx: SpaceSyncContext, space: SpaceRow, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError && ((e.status === 403 && e.code === 'SpaceAccessRevoked') ||
        (e.status === 404 && !(await ctx.feedLists(space.spaceId))))) {
      const kept = await purgeSpace(ctx.store, space.spaceId, 'removed', ctx.now());
      ctx.emit({ kind: 'space-removed', space: space.spaceId,
        message: `You no longer belong to ${space.name}` +
          (kept ? `; ${kept} unsynced edit${kept === 1 ? ' is' : 's are'} kept on this device` : '') });
      throw new SpaceGone(space.spaceId);
    }
    throw e;
  }
}

async function ensureSchema(ctx: SpaceSyncContext, space: SpaceRow, info: SpaceInfo): Promise<SpaceRow> {
  const held = await ctx.store.schema(info.schema, info.schemaVersion);
  if (!held) {
    const doc = await guard(ctx, space, () =>
      ctx.api.get<SchemaDocument>(`/v1/schemas/${enc(info.schema)}/${info.schemaVersion}`));
    await ctx.store.putSchema(doc.data);
  }
  const changed = space.role !== info.role || space.schemaVersion !== info.schemaVersion || space.name !== info.name;
  if (changed) {
    space = { ...space, role: info.role, name: info.name, schema: info.schema, schemaVersion: info.schemaVersion,
      neededVersion: 0 };
    await ctx.store.putSpace(space);
  }
  return space;
}

// Cursor pages (limit > 0), or the capped shape (limit 0: neither page nor limit), which alone
// may start below the retention horizon: a pull from 0 there is not cut short.
function pullPath(spaceId: string, since: number, types: string[] | null, limit = PAGE_LIMIT): string {
  const filter = types ? `&resources=${types.map(enc).join(',')}` : '';
  const paging = limit > 0 ? `&limit=${limit}&page=1` : '';
  return `/v1/spaces/${enc(spaceId)}/sync?mutationsSince=${since}${paging}${filter}`;
}

// Pulls from `since` to the end with cursor paging. `move` says whether each page moves the
// space's cursor. Returns the head at the end; `onPage` counts entries for progress.
async function pullFrom(ctx: SpaceSyncContext, space: SpaceRow, since: number, types: string[] | null,
                        move: boolean, onPage: (n: number) => void = () => {}): Promise<number> {
  const headers = { 'x-schema-version': String(space.schemaVersion) };
  const fromZero = since === 0;
  let limit = PAGE_LIMIT;
  for (;;) {
    let page: { data: PageAnswer };
    try {
      page = await guard(ctx, space, () => ctx.api.get<PageAnswer>(pullPath(space.spaceId, since, types, limit), headers));
    } catch (e) {
      // A pull from 0 of a space whose history was purged: a later page starts below the
      // horizon (410). Start the pass again in the capped shape, which is never cut there;
      // entries seen twice are applied once.
      if (!(fromZero && limit > 0 && e instanceof ApiError && e.status === 410)) throw e;
      since = 0;
      limit = 0;
      continue;
    }
    const entries = page.data.mutations ?? [];
    const last = entries.at(-1)?.timestamp ?? since;
    const next = page.data.hasMore ? last : page.data.lastMutationAt;
    await applyPage(ctx.store, space.spaceId, entries, move ? next : 0);
    onPage(entries.length);
    if (!page.data.hasMore || entries.length === 0) return page.data.lastMutationAt;
    since = last;
  }
}

async function pull(ctx: SpaceSyncContext, space: SpaceRow, head: number): Promise<void> {
  if (space.firstPullDone && space.cursor > 0 && head === space.cursor) return;
  if (space.firstPullDone && space.cursor > 0) {
    try {
      await pullFrom(ctx, space, space.cursor, null, true);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 410)) throw e;
      // Before the retention horizon: pull everything again, forgetting what the server forgot.
    }
  }
  await fullPull(ctx, space);
}

async function fullPull(ctx: SpaceSyncContext, space: SpaceRow): Promise<void> {
  if (!space.resyncEpoch) {
    space = { ...space, resyncEpoch: ctx.now(), firstPullDone: false };
    await ctx.store.putSpace(space);
  }
  const schema = await ctx.store.schema(space.schema, space.schemaVersion);
  const types = Object.entries(schema?.types ?? {});
  const master = types.filter(([, t]) => t.masterData).map(([n]) => n);
  const others = types.filter(([, t]) => !t.masterData).map(([n]) => n);
  const headers = { 'x-schema-version': String(space.schemaVersion) };
  let total = 0;
  try {
    const count = await guard(ctx, space, () => ctx.api.get<PageAnswer>(pullPath(space.spaceId, 0, null, 1), headers));
    total = count.data.total ?? 0;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 410)) throw e;   // unknown: the bar counts what arrives
  }
  let pulled = 0;
  const onPage = (n: number) => {
    pulled += n;
    total = Math.max(total, pulled);
    ctx.progress(space.spaceId, pulled, total);
  };
  ctx.progress(space.spaceId, 0, total);
  let head: number;
  if (master.length && others.length) {
    const masterHead = await pullFrom(ctx, space, 0, master, false, onPage);
    await pullFrom(ctx, space, 0, others, false, onPage);
    head = await pullFrom(ctx, space, masterHead, null, false);
  } else {
    head = await pullFrom(ctx, space, 0, null, false, onPage);
  }
  await finishFullPull(ctx.store, space.spaceId, head);
}

// Forms the next batch, or returns the one in flight (sent again as it is). Edits go in queue
// order (a new site before the inspection that points at it) and one schema version per batch.
async function nextBatch(ctx: SpaceSyncContext, spaceId: string, limit: number): Promise<Batch | null> {
  return ctx.store.tx(['spaces', 'records', 'queue', 'batches'], 'readwrite', async (tx) => {
    const inFlight = await request(tx.objectStore('batches').index('space').getAll(spaceId)) as Batch[];
    if (inFlight.length) return inFlight[0];
    const space = await request(tx.objectStore('spaces').get(spaceId)) as SpaceRow;
    const queue = (await request(tx.objectStore('queue').index('space').getAll(spaceId)) as QueuedEdit[])
      .sort((a, b) => a.seq! - b.seq!);
    const ready: QueuedEdit[] = [];
    for (const e of queue) {
      if (e.held) continue;
      if (ready.length && e.schemaVersion !== ready[0].schemaVersion) break;
      if (ready.length >= limit) break;
      ready.push(e);
    }
    if (!ready.length) return null;
    const mutations = [];
    for (const e of ready) {
      const row = await request(tx.objectStore('records').get(recordKey(e.space, e.type, e.id))) as RecordRow | undefined;
      const base = e.baseVersion || row?.version || space.cursor;
      mutations.push({ type: e.op, resource: e.type, resourceId: e.id,
        data: { ...e.fields, clientUpdatedAt: new Date(e.capturedAt).toISOString() }, baseTimestamp: base });
    }
    const batch: Batch = {
      key: crypto.randomUUID(), space: spaceId, seqs: ready.map((e) => e.seq!), sentAt: ctx.now(),
      target: `/v1/spaces/${enc(spaceId)}/sync?conflictMode=field&lastMutationAt=${space.cursor}`,
      body: JSON.stringify({ mutations }),
    };
    for (const e of ready) {
      e.batch = batch.key;
      await request(tx.objectStore('queue').put(e));
    }
    await request(tx.objectStore('batches').put(batch));
    return batch;
  });
}

// Sends the space's batches until its queue is empty or waits on the person. Returns whether
// anything was taken (so a pull brings the records as merged).
async function push(ctx: SpaceSyncContext, spaceId: string): Promise<boolean> {
  let pushed = false;
  let limit = BATCH_LIMIT;
  for (;;) {
    const space = await ctx.store.space(spaceId);
    if (!space) return pushed;
    const batch = await nextBatch(ctx, spaceId, limit);
    if (!batch) return pushed;
    const version = (await ctx.store.queue(spaceId)).find((e) => e.seq === batch.seqs[0])?.schemaVersion
      ?? space.schemaVersion;
    try {
      const answer = await guard(ctx, space, () => ctx.api.post<{ mutations: Ack[] }>(batch.target, batch.body,
        { 'idempotency-key': batch.key, 'x-schema-version': String(version) }));
      const acks = answer.data.mutations;
      // One ack per edit, in order, or the answer is not the push's: nothing is settled from it.
      if (!Array.isArray(acks) || acks.length !== batch.seqs.length) {
        throw new NetworkError(`an answer to the push of ${space.name} that does not match it`);
      }
      for (const e of await settleBatch(ctx.store, batch, acks, ctx.now())) ctx.emit(e);
      pushed = true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 426) {
        const needed = Number((e.body as Record<string, unknown> | null)?.minVersion ?? 0);
        await refuseBatch(ctx.store, batch, 'update-required',
          `This form was filled in on schema version ${version}; the space now needs version ${needed || 'a newer one'}. ` +
          'Open it in the current form and save it again.', ctx.now());
        ctx.emit({ kind: 'update-required', space: spaceId, message: `${space.name}: some edits need the current form` });
      } else if ((e.status === 413 || e.status === 422 || e.status === 400) && batch.seqs.length > 1) {
        // Refused as a whole and not applied (too large, or one edit the server cannot read):
        // send it again in halves, under new keys, until the edit at fault is alone.
        limit = Math.ceil(batch.seqs.length / 2);
        await dissolveBatch(ctx.store, batch);
      } else if (e.status === 413 || e.status === 422 || e.status === 400) {
        // One edit refused as a whole: it becomes a rejection, its data kept, so it never
        // wedges the queue.
        await refuseBatch(ctx.store, batch, 'validation', e.message, ctx.now());
        ctx.emit({ kind: 'rejected', space: spaceId, message: `${space.name}: the server refused a push: ${e.message}` });
      } else {
        throw e;    // network, 401, 429, 5xx: the batch stays, and goes again as it is
      }
    }
  }
}

async function dissolveBatch(store: DeviceStore, batch: Batch): Promise<void> {
  await store.tx(['queue', 'batches'], 'readwrite', async (tx) => {
    for (const seq of batch.seqs) {
      const e = await request(tx.objectStore('queue').get(seq)) as QueuedEdit | undefined;
      if (e) { e.batch = ''; await request(tx.objectStore('queue').put(e)); }
    }
    await request(tx.objectStore('batches').delete(batch.key));
  });
}
