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

const EDIT_STORES = ['spaces', 'records', 'queue', 'conflicts', 'rejections'];

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

// Client-chosen ids (SPEC section 3): a record exists, and can be pointed at, before it is
// synced; a form mints its new record's id when it opens, so saving twice saves one record.
export function newRecordId(): string {
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

// What a form was built from: the record as shown then, and its server version. An edit is the
// difference from it, based on that version, so a change that arrived while the form was open
// is neither undone nor taken for the person's own (the server judges it as a clash or a merge).
export interface Basis {
  data: Fields | null;
  version: number;
}

export interface PutOptions {
  basis?: Basis;
  retrying?: number;         // the refused edit being fixed ("Edit again"): it is done with once saved
}

export async function putRecord(store: DeviceStore, ctx: EditContext, space: string, type: string,
                                id: string | null, values: Fields,
                                exists: (type: string, id: string) => Promise<boolean>,
                                options: PutOptions = {}): Promise<string> {
  const recordId = id ?? newRecordId();
  const current = id ? await store.record(space, type, id) : undefined;
  const basis = options.basis ?? (current ? { data: current.data, version: current.version } : { data: null, version: 0 });
  const pending = id ? (await store.queue(space)).filter((e) => e.type === type && e.id === id) : [];
  // Deleted on the server while the form was open: an UPDATE from the form's version lets the
  // server say so (a conflict the person resolves), instead of a CREATE of half a record.
  const goneOnServer = basis.data !== null && basis.version > 0 &&
    (!current || (current.base === null && current.version > basis.version));
  // A CREATE is due when the server has never had the record and no CREATE of it is queued: a
  // new record, one deleted here, or one whose CREATE was refused and is now fixed.
  const creating = !goneOnServer && (basis.data === null || !current || current.data === null ||
    (current.version === 0 && !pending.some((e) => e.op === 'CREATE')));
  const fields = creating ? { ...(current?.data ?? {}), ...values } : changedFields(basis.data, values);
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
  if (!creating && Object.keys(fields).length === 0 && !options.retrying) return recordId;

  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    await spaceStillHeld(tx, space);
    const records = tx.objectStore('records');
    let row = await request(records.get(recordKey(space, type, recordId))) as RecordRow | undefined;
    if (!row || (goneOnServer && row.base === null)) {
      row = { space, type, id: recordId, data: null, base: null, version: 0, updatedBy: '', rejected: '', seen: 0,
        ...(row ?? {}), ...(goneOnServer ? { base: basis.data, version: basis.version } : {}) };
    }
    const rejections = tx.objectStore('rejections');
    if (options.retrying) await request(rejections.delete(options.retrying));
    if (creating && row.rejected) {
      // The refused record is created again: its refusal is answered.
      for (const r of await all<RejectionRow>(rejections.index('record'), recordKey(space, type, recordId))) {
        if (r.op === 'CREATE') await request(rejections.delete(r.seq!));
      }
      row.rejected = '';
    }
    await request(records.put(row));
    if (creating || Object.keys(fields).length) {
      await enqueue(tx, {
        space, type, id: recordId, op: creating ? 'CREATE' : 'UPDATE', fields,
        baseVersion: creating ? row.version : basis.version, capturedAt: ctx.now(),
        schemaVersion: ctx.schema.version, batch: '', held: await heldBy(tx, space, type, recordId),
      });
    }
    await refreshShown(tx, space, type, recordId);
  });
  return recordId;
}

// An edit made while its space was being purged would belong to nothing: refuse it instead.
async function spaceStillHeld(tx: IDBTransaction, space: string): Promise<void> {
  if (!(await request(tx.objectStore('spaces').get(space)))) {
    throw new EditRefused([{ field: '', message: `this device no longer holds the space ${space}` }]);
  }
}

export async function deleteRecord(store: DeviceStore, ctx: EditContext, space: string, type: string,
                                   id: string): Promise<void> {
  const problems = checkEdit(ctx.schema, type, ctx.role, {}, false, () => true);
  if (problems.length) throw new EditRefused(problems);
  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    await spaceStillHeld(tx, space);
    const row = await request(tx.objectStore('records').get(recordKey(space, type, id))) as RecordRow | undefined;
    if (!row || row.data === null) return;
    await enqueue(tx, {
      space, type, id, op: 'DELETE', fields: {}, baseVersion: row.version, capturedAt: ctx.now(),
      schemaVersion: ctx.schema.version, batch: '', held: await heldBy(tx, space, type, id),
    });
    await refreshShown(tx, space, type, id);
  });
}

// The device's side of a conflict: the refused edit's fields, then those of the edits the person
// made while it waited, in order; `deleted` when the last of them deleted the record.
export function deviceSide(c: ConflictRow, held: Pick<QueuedEdit, 'op' | 'fields'>[]): { fields: Fields; deleted: boolean } {
  let fields: Fields = { ...c.fields };
  let deleted = c.op === 'DELETE';
  for (const e of held) {
    if (e.op === 'DELETE') { deleted = true; fields = {}; } else { deleted = false; fields = { ...fields, ...e.fields }; }
  }
  return { fields, deleted };
}

// The fields a resolution sends: the device's fields that did not clash always go (the server
// applied none of a conflicting edit); clashing ones as the person chose; nothing the server
// already holds.
export function resolutionFields(c: ConflictRow, r: Resolution, device: Fields = c.fields): Fields {
  const clashing = new Set(c.clashes.map((x) => x.field));
  const out: Fields = {};
  const differs = (k: string, v: Fields[string]) => !c.record || !sameValue(c.record[k], v);
  for (const [k, v] of Object.entries(device)) {
    if ((!clashing.has(k) || r.kind === 'keepLocal') && differs(k, v)) out[k] = v;
  }
  if (r.kind === 'manual') {
    for (const [k, v] of Object.entries(r.values)) {
      if (differs(k, v)) out[k] = v;
      else delete out[k];
    }
  }
  return out;
}

// Resolving a conflict is one ordinary edit whose base is the conflict's version (the device has
// now seen the server's side), carrying the edits the person made while it waited, so that
// what they chose on the screen is what the server gets.
export async function resolveConflict(store: DeviceStore, ctx: EditContext, seq: number,
                                      resolution: Resolution): Promise<void> {
  const c = await store.conflict(seq);
  if (!c) throw new Error('that conflict is already resolved');
  if (resolution.kind === 'manual') {
    const problems = checkEdit(ctx.schema, c.type, ctx.role, resolution.values, false, () => true);
    if (problems.length) throw new EditRefused(problems);
  }
  await store.tx(EDIT_STORES, 'readwrite', async (tx) => {
    if (!(await request(tx.objectStore('conflicts').get(seq)))) return;
    await request(tx.objectStore('conflicts').delete(seq));
    const held = (await editsOf(tx, c.space, c.type, c.id)).filter((e) => e.held === seq && !e.batch);
    for (const e of held) await request(tx.objectStore('queue').delete(e.seq!));
    const device = deviceSide(c, held);
    const keep = resolution.kind !== 'acceptServer';
    let op: Op | null = null;
    let send: Fields = {};
    if (held.at(-1)?.op === 'DELETE') {
      op = 'DELETE';                       // deleted after the conflict: the latest wish stands
    } else if (c.op === 'DELETE') {
      op = keep ? 'DELETE' : null;
    } else if (c.record === null) {
      // Keeping a record the server deleted re-creates it whole, from the record as it was here.
      op = keep ? 'CREATE' : null;
      send = { ...(c.localBase ?? {}), ...device.fields, ...(resolution.kind === 'manual' ? resolution.values : {}) };
    } else {
      send = resolutionFields(c, resolution, device.fields);
      op = Object.keys(send).length ? 'UPDATE' : null;
    }
    if (op) {
      await enqueue(tx, { space: c.space, type: c.type, id: c.id, op, fields: send, baseVersion: c.version,
        capturedAt: ctx.now(), schemaVersion: ctx.schema.version, batch: '', held: 0 });
    }
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
    if (row && row.rejected && r.op === 'CREATE') {
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
