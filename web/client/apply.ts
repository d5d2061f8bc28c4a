// What the server says, written into the device's database: pulled pages, a push's acks, and a
// space the person lost. Each runs in one transaction with the cursor or the batch it settles,
// so an interrupted sync leaves either the old state or the new one, never half of each.

import { all, request } from './idb.js';
import { recordKey, refreshShown, type DeviceStore } from './store.js';
import type {
  Batch, Clash, ConflictRow, Fields, QuarantineRow, QueuedEdit, RecordRow, RejectionRow, SpaceRow, SyncEvent,
} from './types.js';

const ALL = ['spaces', 'records', 'queue', 'batches', 'conflicts', 'rejections', 'quarantine'];

export interface PulledEntry {
  type: 'CREATE' | 'UPDATE' | 'DELETE';
  resource: string;
  resourceId: string;
  data?: Record<string, unknown>;
  timestamp: number;
}

const META = ['clientCreatedAt', 'clientUpdatedAt', 'updatedBy'];

function recordFields(data: Record<string, unknown> | undefined): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(data ?? {})) if (!META.includes(k)) out[k] = v as Fields[string];
  return out;
}

// Applies one pulled page and moves the space's cursor to `cursor` (0: leave it; a first pull
// moves it only at its end). An entry older than what the device holds never replaces it.
export async function applyPage(store: DeviceStore, spaceId: string, entries: PulledEntry[],
                                cursor: number): Promise<void> {
  await store.tx(ALL, 'readwrite', async (tx) => {
    const space = await request(tx.objectStore('spaces').get(spaceId)) as SpaceRow | undefined;
    if (!space) return;
    const records = tx.objectStore('records');
    for (const e of entries) {
      const key = recordKey(spaceId, e.resource, e.resourceId);
      const row: RecordRow = (await request(records.get(key))) ?? {
        space: spaceId, type: e.resource, id: e.resourceId, data: null, base: null, version: 0, updatedBy: '',
        rejected: '', seen: 0,
      };
      if (space.resyncEpoch) row.seen = space.resyncEpoch;
      // At the version an ack gave it, the pulled entry is still news: the record as the server
      // stored it (defaults, normalised values, who wrote it).
      if (e.timestamp >= row.version) {
        row.version = e.timestamp;
        row.base = e.type === 'DELETE' ? null : recordFields(e.data);
        row.updatedBy = String(e.data?.updatedBy ?? '');
      }
      await request(records.put(row));
      await refreshShown(tx, spaceId, e.resource, e.resourceId);
    }
    if (cursor > 0) {
      space.cursor = cursor;
      await request(tx.objectStore('spaces').put(space));
    }
  });
}

// Ends a pull from 0: synced records it did not bring are gone from the server and are
// forgotten here, unless edits of the person's still wait for them.
export async function finishFullPull(store: DeviceStore, spaceId: string, cursor: number): Promise<string[]> {
  return store.tx(ALL, 'readwrite', async (tx) => {
    const space = await request(tx.objectStore('spaces').get(spaceId)) as SpaceRow;
    const forgotten: string[] = [];
    const rows = await all<RecordRow>(tx.objectStore('records').index('space'), spaceId);
    for (const row of rows) {
      if (row.version > 0 && row.seen !== space.resyncEpoch) {
        row.base = null;
        row.version = 0;
        await request(tx.objectStore('records').put(row));
        await refreshShown(tx, spaceId, row.type, row.id);
        forgotten.push(`${row.type}/${row.id}`);
      }
    }
    space.resyncEpoch = 0;
    space.firstPullDone = true;
    space.cursor = cursor;
    await request(tx.objectStore('spaces').put(space));
    return forgotten;
  });
}

export interface Ack {
  outcome?: string;
  timestamp?: number;
  settled?: { field: string; kept: string }[];
  conflict?: { reason?: string; fields?: string[]; version?: number; record?: Record<string, unknown> | null; clashes?: Clash[] };
  rejection?: { reason?: string; field?: string; message?: string };
}

// Settles a push from its acks, in request order, in one transaction with forgetting the batch.
export async function settleBatch(store: DeviceStore, batch: Batch, acks: Ack[], now: number): Promise<SyncEvent[]> {
  return store.tx(ALL, 'readwrite', async (tx) => {
    const queue = tx.objectStore('queue');
    const events: SyncEvent[] = [];
    const touched = new Set<string>();
    for (let i = 0; i < batch.seqs.length; i++) {
      const edit = await request(queue.get(batch.seqs[i])) as QueuedEdit | undefined;
      const ack = acks[i] ?? {};
      if (!edit) continue;
      await request(queue.delete(edit.seq!));
      touched.add(JSON.stringify([edit.type, edit.id]));
      const where = { space: edit.space, type: edit.type, id: edit.id };
      const outcome = ack.outcome ?? 'applied';
      const key = recordKey(edit.space, edit.type, edit.id);
      const row = await request(tx.objectStore('records').get(key)) as RecordRow | undefined;
      if (outcome === 'applied' || outcome === 'merged' || outcome === 'softMerged') {
        // `applied`: nothing else changed since the base, so base plus the edit is the server's
        // record. Otherwise the record as merged arrives with the next pull.
        if (row && outcome === 'applied' && ack.timestamp && ack.timestamp > row.version) {
          row.base = edit.op === 'DELETE' ? null : { ...(row.base ?? {}), ...edit.fields };
          row.version = ack.timestamp;
          await request(tx.objectStore('records').put(row));
        }
        const settled = ack.settled ?? [];
        const lost = settled.filter((s) => s.kept === 'server').map((s) => s.field);
        if (outcome === 'softMerged' || settled.length) {
          events.push({ kind: outcome === 'softMerged' ? 'softMerged' : 'settled', ...where,
            fields: settled.map((s) => s.field),
            message: lost.length
              ? `${edit.type} ${edit.id}: your edit of ${lost.join(', ')} was older than one made elsewhere, which was kept`
              : `${edit.type} ${edit.id}: merged with an edit made on another device` });
        } else {
          events.push({ kind: outcome === 'merged' ? 'merged' : 'applied', ...where, message: `${edit.type} ${edit.id} synced` });
        }
      } else if (outcome === 'conflict') {
        const c = ack.conflict ?? {};
        const record = c.record ? recordFields(c.record) : null;
        // Only the clashing fields wait for the person: the edit's other fields go again at once,
        // based on the version just learnt, so different fields merge without asking anyone.
        const clashing = new Set((c.clashes ?? []).map((x) => x.field));
        const split = edit.op === 'UPDATE' && record !== null && clashing.size > 0;
        const waiting: Fields = {};
        const goesOn: Fields = {};
        for (const [k, v] of Object.entries(edit.fields)) {
          if (!split || clashing.has(k)) waiting[k] = v;
          else if (JSON.stringify(record?.[k] ?? null) !== JSON.stringify(v ?? null)) goesOn[k] = v;
        }
        const conflict: ConflictRow = {
          ...where, op: edit.op, reason: c.reason ?? 'changed', fields: waiting, version: c.version ?? 0,
          record, localBase: row?.base ?? null, clashes: c.clashes ?? [], capturedAt: edit.capturedAt, at: now,
        };
        const seq = await request(tx.objectStore('conflicts').add(conflict)) as number;
        if (row && conflict.version >= row.version) {
          row.base = record;
          row.version = conflict.version;
          if (c.record) row.updatedBy = String(c.record.updatedBy ?? row.updatedBy);
          await request(tx.objectStore('records').put(row));
        }
        for (const later of await all<QueuedEdit>(queue.index('record'), key)) {
          if (later.batch) continue;
          later.held = seq;
          await request(queue.put(later));
          // A field the person changed again since waits with the conflict, newest value last.
          for (const k of Object.keys(later.fields)) delete goesOn[k];
          if (later.op === 'DELETE') for (const k of Object.keys(goesOn)) delete goesOn[k];
        }
        if (Object.keys(goesOn).length) {
          await request(queue.add({ ...where, op: 'UPDATE', fields: goesOn, baseVersion: conflict.version,
            capturedAt: edit.capturedAt, schemaVersion: edit.schemaVersion, batch: '', held: 0 } satisfies QueuedEdit));
        }
        events.push({ kind: 'conflict', ...where, fields: c.fields ?? conflict.clashes.map((x) => x.field),
          message: `${edit.type} ${edit.id} was changed by someone else: choose which version to keep` });
      } else {
        const r = ack.rejection ?? {};
        await request(tx.objectStore('rejections').add({
          ...where, op: edit.op, fields: edit.fields, reason: r.reason ?? 'validation', schemaVersion: edit.schemaVersion,
          field: r.field ?? '', message: r.message ?? 'the server refused this edit', at: now,
        } satisfies RejectionRow));
        if (row && edit.op === 'CREATE' && row.version === 0) {
          row.rejected = r.message ?? 'refused';
          row.base = edit.fields;     // the refused record stays on the device, marked
          await request(tx.objectStore('records').put(row));
        }
        events.push({ kind: 'rejected', ...where, fields: r.field ? [r.field] : [],
          message: `${edit.type} ${edit.id} was refused: ${r.message ?? r.reason}` });
      }
    }
    await request(tx.objectStore('batches').delete(batch.key));
    for (const t of touched) {
      const [type, id] = JSON.parse(t) as [string, string];
      await refreshShown(tx, batch.space, type, id);
    }
    return events;
  });
}

// Turns the edits of a push the server refused as a whole (a 426: the form's schema version is
// no longer accepted) into rejections, their data kept, and forgets the batch.
export async function refuseBatch(store: DeviceStore, batch: Batch, reason: string, message: string,
                                  now: number): Promise<void> {
  await store.tx(ALL, 'readwrite', async (tx) => {
    const touched: QueuedEdit[] = [];
    for (const seq of batch.seqs) {
      const edit = await request(tx.objectStore('queue').get(seq)) as QueuedEdit | undefined;
      if (!edit) continue;
      await request(tx.objectStore('queue').delete(seq));
      await request(tx.objectStore('rejections').add({
        space: edit.space, type: edit.type, id: edit.id, op: edit.op, fields: edit.fields, reason,
        schemaVersion: edit.schemaVersion, field: '', message, at: now,
      } satisfies RejectionRow));
      touched.push(edit);
    }
    await request(tx.objectStore('batches').delete(batch.key));
    for (const e of touched) {
      const row = await request(tx.objectStore('records').get(recordKey(e.space, e.type, e.id))) as RecordRow | undefined;
      if (row && e.op === 'CREATE' && row.version === 0) {
        row.rejected = message;
        row.base = e.fields;
        await request(tx.objectStore('records').put(row));
      }
      await refreshShown(tx, e.space, e.type, e.id);
    }
  });
}

// The person lost the space: every edit the server never took (queued, in flight, waiting in a
// conflict, refused) goes to the quarantine, then the space and all it held are forgotten.
export async function purgeSpace(store: DeviceStore, spaceId: string, reason: string, now: number): Promise<number> {
  return store.tx(ALL, 'readwrite', async (tx) => {
    const space = await request(tx.objectStore('spaces').get(spaceId)) as SpaceRow | undefined;
    const kept: QuarantineRow[] = [];
    const base = { space: spaceId, spaceName: space?.name ?? spaceId, reason, at: now };
    for (const e of await all<QueuedEdit>(tx.objectStore('queue').index('space'), spaceId)) {
      kept.push({ ...base, type: e.type, id: e.id, op: e.op, fields: e.fields, capturedAt: e.capturedAt });
    }
    for (const c of await all<ConflictRow>(tx.objectStore('conflicts').index('space'), spaceId)) {
      kept.push({ ...base, type: c.type, id: c.id, op: c.op, fields: c.fields, capturedAt: c.capturedAt });
    }
    for (const r of await all<RejectionRow>(tx.objectStore('rejections').index('space'), spaceId)) {
      kept.push({ ...base, type: r.type, id: r.id, op: r.op, fields: r.fields, capturedAt: r.at });
    }
    for (const q of kept) await request(tx.objectStore('quarantine').add(q));
    for (const name of ['queue', 'conflicts', 'rejections', 'batches']) {
      const index = tx.objectStore(name).index('space');
      for (const k of await request(index.getAllKeys(spaceId))) await request(tx.objectStore(name).delete(k));
    }
    await request(tx.objectStore('records').delete(IDBKeyRange.bound([spaceId, '', ''], [spaceId, '\uffff', '\uffff'])));
    await request(tx.objectStore('spaces').delete(spaceId));
    return kept.length;
  });
}
