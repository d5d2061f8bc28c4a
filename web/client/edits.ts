// What the person does on the device, each in one IndexedDB transaction that also queues the
// edit, so nothing typed depends on the network or lives only in memory: save a record (checked
// against the schema first), delete one, resolve a conflict, dismiss a rejection.
//
// Squashing: an edit on a record whose queued edit is still waiting replaces it (CREATE+UPDATE
// → CREATE, UPDATE+UPDATE → UPDATE, CREATE+DELETE → nothing, UPDATE+DELETE → DELETE). An edit in
// a push in flight is never touched: its retry must be the same request.

import { all, request } from './idb.js';
import { recordKey, refreshShown, type DeviceStore } from './store.js';
import type { ConflictRow, Fields, Op, QueuedEdit, RecordRow, RejectionRow, Resolution, Role, SchemaDocument } from './types.js';
import { changedFields, checkEdit, type FieldProblem, sameValue } from './validation.js';

const EDIT_STORES = ['records', 'queue', 'conflicts', 'rejections'];

export class EditRefused extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

export interface EditContext {
  schema: SchemaDocument;
  role: Role;
  now: () => number;
}

function newId(): string {
  // Client-chosen ids (SPEC section 3): a record exists, and can be pointed at, before it is synced.
  return crypto.randomUUID().replace(/-/g, '').slice(0, 20);
}

// The queue's pending edits of one record, oldest first.
async function editsOf(tx: IDBTransaction, space: string, type: string, id: string): Promise<QueuedEdit[]> {
  const edits = await all<QueuedEdit>(tx.objectStore('queue').index('record'), recordKey(space, type, id));
  return edits.sort((a, b) => a.seq! - b.seq!);
}

async function heldBy(tx: IDBTransaction, space: string, type: string, id: string): Promise<number> {
  const conflicts = await all<ConflictRow>(tx.objectStore('conflicts').index('record'), recordKey(space, type, id));
  return conflicts[0]?.seq ?? 0;
}

// Queues `op` with `fields` for a record, squashing it into the record's waiting edit.
async function enqueue(tx: IDBTransaction, edit: QueuedEdit): Promise<void> {
  const queue = tx.objectStore('queue');
  const edits = await editsOf(tx, edit.space, edit.type, edit.id);
  const last = edits.at(-1);
  if (last && !last.batch && last.held === edit.held) {
    if (edit.op === 'DELETE' && last.op === 'CREATE') {
      await request(queue.delete(last.seq!));
      return;
    }
    if (edit.op !== 'CREATE' || last.op !== 'DELETE') {
      last.op = edit.op === 'DELETE' ? 'DELETE' : last.op;
      last.fields = edit.op === 'DELETE' ? {} : { ...last.fields, ...edit.fields };
      last.capturedAt = edit.capturedAt;
      last.schemaVersion = edit.schemaVersion;
      await request(queue.put(last));
      return;
    }
  }
  delete edit.seq;
  await request(queue.add(edit));
}

export async function putRecord(store: DeviceStore, ctx: EditContext, space: string, type: string,
                                id: string | null, values: Fields,
                                exists: (type: string, id: string) => Promise<boolean>): Promise<string> {
  const recordId = id ?? newId();
  const current = id ? await store.record(space, type, id) : undefined;
  const pending = id ? (await store.queue(space)).filter((e) => e.type === type && e.id === id) : [];
  // A CREATE is due when the server has never had the record and no CREATE of it is queued: a
  // new record, one deleted here, or one whose CREATE was refused and is now fixed.
  const creating = !current || current.data === null ||
    (current.version === 0 && !pending.some((e) => e.op === 'CREATE'));
  const fields = creating ? { ...(current?.data ?? {}), ...values } : changedFields(current!.data, values);
  for (const [k, v] of Object.entries(fields)) if (creating && v === null) delete fields[k];
  // References resolve against what the device holds; read them before the write transaction.
  const refs = new Map<string, boolean>();
  for (const [name, f] of Object.entries(ctx.schema.types[type]?.fields ?? {})) {
    const v = fields[name];
    if (f.type === 'reference' && typeof v === 'string') refs.set(`${f.to}\u0000${v}`, await exists(f.to ?? '', v));
  }
  const problems = checkEdit(ctx.schema, type, ctx.role, fields, creating,
    (t, v) => refs.get(`${t}\u0000${v}`) ?? false);
  if (problems.length) throw new EditRefused(problems);
  if (!creating && Object.keys(fields).length === 0) return recordId;

  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    const records = tx.objectStore('records');
    const row: RecordRow = (await request(records.get(recordKey(space, type, recordId)))) ?? {
      space, type, id: recordId, data: null, base: null, version: 0, updatedBy: '', rejected: '', seen: 0,
    };
    // Saving the record again is the person's answer to whatever refused it before.
    row.rejected = '';
    await request(records.put(row));
    const refusals = await all<RejectionRow>(tx.objectStore('rejections').index('record'), recordKey(space, type, recordId));
    for (const r of refusals) await request(tx.objectStore('rejections').delete(r.seq!));
    await enqueue(tx, {
      space, type, id: recordId, op: creating ? 'CREATE' : 'UPDATE', fields,
      baseVersion: row.version, capturedAt: ctx.now(), schemaVersion: ctx.schema.version, batch: '',
      held: await heldBy(tx, space, type, recordId),
    });
    await refreshShown(tx, space, type, recordId);
  });
  return recordId;
}

export async function deleteRecord(store: DeviceStore, ctx: EditContext, space: string, type: string,
                                   id: string): Promise<void> {
  const problems = checkEdit(ctx.schema, type, ctx.role, {}, false, () => true);
  if (problems.length) throw new EditRefused(problems);
  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    const row = await request(tx.objectStore('records').get(recordKey(space, type, id))) as RecordRow | undefined;
    if (!row || row.data === null) return;
    await enqueue(tx, {
      space, type, id, op: 'DELETE', fields: {}, baseVersion: row.version, capturedAt: ctx.now(),
      schemaVersion: ctx.schema.version, batch: '', held: await heldBy(tx, space, type, id),
    });
    await refreshShown(tx, space, type, id);
  });
}

// The fields a resolution sends: the edit's fields that did not clash always go again (the
// server applied none of a conflicting edit); clashing ones as the person chose.
export function resolutionFields(c: ConflictRow, r: Resolution): Fields {
  const clashing = new Set(c.clashes.map((x) => x.field));
  const out: Fields = {};
  for (const [k, v] of Object.entries(c.fields)) {
    if (!clashing.has(k)) {
      if (!c.record || !sameValue(c.record[k], v)) out[k] = v;
    } else if (r.kind === 'keepLocal') {
      out[k] = v;
    }
  }
  if (r.kind === 'manual') {
    for (const [k, v] of Object.entries(r.values)) {
      if (!c.record || !sameValue(c.record[k], v)) out[k] = v;
    }
  }
  return out;
}

// Resolving a conflict is an ordinary edit whose base is the conflict's version: the device has
// now seen the server's side. Edits made while it waited are released after it, in order.
export async function resolveConflict(store: DeviceStore, ctx: EditContext, seq: number,
                                      resolution: Resolution): Promise<void> {
  const c = await store.conflict(seq);
  if (!c) throw new Error('that conflict is already resolved');
  const fields = resolutionFields(c, resolution);
  if (resolution.kind === 'manual') {
    const problems = checkEdit(ctx.schema, c.type, ctx.role, resolution.values, false, () => true);
    if (problems.length) throw new EditRefused(problems);
  }
  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    await request(tx.objectStore('conflicts').delete(seq));
    const held = (await editsOf(tx, c.space, c.type, c.id)).filter((e) => e.held === seq);
    for (const e of held) await request(tx.objectStore('queue').delete(e.seq!));
    const goneOnServer = c.record === null;
    let op: Op | null = null;
    let send: Fields = fields;
    if (c.op === 'DELETE') {
      op = resolution.kind === 'acceptServer' ? null : 'DELETE';
      send = {};
    } else if (goneOnServer) {
      // Keeping a record the server deleted re-creates it whole.
      op = resolution.kind === 'acceptServer' ? null : 'CREATE';
      send = { ...c.fields, ...(resolution.kind === 'manual' ? resolution.values : {}) };
    } else if (Object.keys(fields).length) {
      op = 'UPDATE';
    }
    const base = { space: c.space, type: c.type, id: c.id, baseVersion: c.version, capturedAt: ctx.now(),
      schemaVersion: ctx.schema.version, batch: '', held: 0 };
    if (op) await enqueue(tx, { ...base, op, fields: send });
    for (const e of held) await enqueue(tx, { ...e, ...base, op: e.op, fields: e.fields, capturedAt: e.capturedAt });
    await refreshShown(tx, c.space, c.type, c.id);
  });
}

// Forgets a rejection; a refused CREATE's record goes with it unless it was put again since.
export async function dismissRejection(store: DeviceStore, seq: number): Promise<void> {
  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    const r = await request(tx.objectStore('rejections').get(seq)) as RejectionRow | undefined;
    if (!r) return;
    await request(tx.objectStore('rejections').delete(seq));
    const row = await request(tx.objectStore('records').get(recordKey(r.space, r.type, r.id))) as RecordRow | undefined;
    if (row && row.rejected) {
      row.rejected = '';
      if (row.version === 0) row.base = null;
      await request(tx.objectStore('records').put(row));
      if (row.version === 0 && (await editsOf(tx, r.space, r.type, r.id)).length === 0) {
        await request(tx.objectStore('records').delete(recordKey(r.space, r.type, r.id)));
        return;
      }
      await refreshShown(tx, r.space, r.type, r.id);
    }
  });
}
