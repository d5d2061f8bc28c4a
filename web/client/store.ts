// The device's IndexedDB database, one per person and server: what each object store holds,
// its indexes, and the reads the app and the engine share. Writes live beside it, by job:
// edits.ts (what the person does), apply.ts (what the server says).
//
// | store       | key                | holds |
// |-------------|--------------------|-------|
// | meta        | name               | feed cursor, client id, last sync |
// | spaces      | spaceId            | SpaceRow: name, schema, role, cursor, first pull, 426 state |
// | schemas     | [name, version]    | schema documents the forms and checks use |
// | records     | [space, type, id]  | RecordRow: shown data, the server's base and version |
// | queue       | seq (auto)         | QueuedEdit: edits not yet taken by the server, in order |
// | batches     | key                | Batch: a push in flight, exactly as sent, under its Idempotency-Key |
// | conflicts   | seq (auto)         | ConflictRow: both sides, waiting for the person |
// | rejections  | seq (auto)         | RejectionRow: refused edits with their data |
// | quarantine  | seq (auto)         | QuarantineRow: edits of spaces the person was removed from |

import { all, openDatabase, request, transact } from './idb.js';
import type {
  Batch, ConflictRow, Fields, QuarantineRow, QueuedEdit, RecordRow, RejectionRow, SchemaDocument, SpaceRow,
} from './types.js';

export const STORES = ['meta', 'spaces', 'schemas', 'records', 'queue', 'batches', 'conflicts', 'rejections',
  'quarantine'] as const;
const DB_VERSION = 1;

export function recordKey(space: string, type: string, id: string): IDBValidKey {
  return [space, type, id];
}

export class DeviceStore {
  private constructor(readonly db: IDBDatabase, readonly name: string) {}

  // One database per server and person: two people signing in on one browser never share records.
  static async open(server: string, person: string): Promise<DeviceStore> {
    const name = `synclog:${server}:${person}`;
    const db = await openDatabase(name, DB_VERSION, (d) => {
      d.createObjectStore('meta');
      d.createObjectStore('spaces', { keyPath: 'spaceId' });
      d.createObjectStore('schemas', { keyPath: ['name', 'version'] });
      const records = d.createObjectStore('records', { keyPath: ['space', 'type', 'id'] });
      records.createIndex('space', 'space');
      for (const n of ['queue', 'conflicts', 'rejections']) {
        const s = d.createObjectStore(n, { keyPath: 'seq', autoIncrement: true });
        s.createIndex('space', 'space');
        s.createIndex('record', ['space', 'type', 'id']);
      }
      const batches = d.createObjectStore('batches', { keyPath: 'key' });
      batches.createIndex('space', 'space');
      d.createObjectStore('quarantine', { keyPath: 'seq', autoIncrement: true });
    });
    return new DeviceStore(db, name);
  }

  close(): void { this.db.close(); }

  tx<T>(stores: readonly string[], mode: IDBTransactionMode, body: (tx: IDBTransaction) => Promise<T>): Promise<T> {
    return transact(this.db, [...stores], mode, body);
  }

  async meta<T>(key: string, fallback: T): Promise<T> {
    const v = await this.tx(['meta'], 'readonly', (tx) => request(tx.objectStore('meta').get(key)));
    return v === undefined ? fallback : v as T;
  }

  setMeta(key: string, value: unknown): Promise<void> {
    return this.tx(['meta'], 'readwrite', async (tx) => { await request(tx.objectStore('meta').put(value, key)); });
  }

  spaces(): Promise<SpaceRow[]> {
    return this.tx(['spaces'], 'readonly', (tx) => all<SpaceRow>(tx.objectStore('spaces')));
  }

  async space(spaceId: string): Promise<SpaceRow | undefined> {
    return this.tx(['spaces'], 'readonly', (tx) => request(tx.objectStore('spaces').get(spaceId)));
  }

  putSpace(row: SpaceRow): Promise<void> {
    return this.tx(['spaces'], 'readwrite', async (tx) => { await request(tx.objectStore('spaces').put(row)); });
  }

  // The newest document of `name` the device holds (or the exact version asked for).
  async schema(name: string, version?: number): Promise<SchemaDocument | undefined> {
    return this.tx(['schemas'], 'readonly', async (tx) => {
      const s = tx.objectStore('schemas');
      if (version) return request(s.get([name, version]));
      const docs = await all<SchemaDocument>(s, IDBKeyRange.bound([name, 0], [name, Number.MAX_SAFE_INTEGER]));
      return docs.at(-1);
    });
  }

  putSchema(doc: SchemaDocument): Promise<void> {
    return this.tx(['schemas'], 'readwrite', async (tx) => { await request(tx.objectStore('schemas').put(doc)); });
  }

  // Live records of one type, as the person sees them (deleted ones left out).
  async records(space: string, type: string): Promise<RecordRow[]> {
    const rows = await this.tx(['records'], 'readonly', (tx) =>
      all<RecordRow>(tx.objectStore('records'), IDBKeyRange.bound([space, type, ''], [space, type, '\uffff'])));
    return rows.filter((r) => r.data !== null);
  }

  record(space: string, type: string, id: string): Promise<RecordRow | undefined> {
    return this.tx(['records'], 'readonly', (tx) => request(tx.objectStore('records').get(recordKey(space, type, id))));
  }

  bySpace<T>(store: 'queue' | 'conflicts' | 'rejections' | 'batches', space: string): Promise<T[]> {
    return this.tx([store], 'readonly', (tx) => all<T>(tx.objectStore(store).index('space'), space));
  }

  queue(space: string): Promise<QueuedEdit[]> { return this.bySpace<QueuedEdit>('queue', space); }
  conflicts(space: string): Promise<ConflictRow[]> { return this.bySpace<ConflictRow>('conflicts', space); }
  rejections(space: string): Promise<RejectionRow[]> { return this.bySpace<RejectionRow>('rejections', space); }
  batches(space: string): Promise<Batch[]> { return this.bySpace<Batch>('batches', space); }

  async conflict(seq: number): Promise<ConflictRow | undefined> {
    return this.tx(['conflicts'], 'readonly', (tx) => request(tx.objectStore('conflicts').get(seq)));
  }

  quarantine(): Promise<QuarantineRow[]> {
    return this.tx(['quarantine'], 'readonly', (tx) => all<QuarantineRow>(tx.objectStore('quarantine')));
  }

  discardQuarantine(): Promise<void> {
    return this.tx(['quarantine'], 'readwrite', async (tx) => { await request(tx.objectStore('quarantine').clear()); });
  }
}

// What the person sees of a record: the server's state, then the edits of unresolved conflicts
// (what they typed is shown until they choose), then queued edits in order.
export function overlay(base: Fields | null, layers: { op: string; fields: Fields }[]): Fields | null {
  let shown: Fields | null = base ? { ...base } : null;
  for (const l of layers) {
    if (l.op === 'DELETE') shown = null;
    else if (l.op === 'CREATE') shown = { ...(shown ?? {}), ...l.fields };
    else shown = { ...(shown ?? base ?? {}), ...l.fields };
  }
  return shown;
}

// Recomputes a record's shown data from its base, its conflicts and its queued edits, inside
// the caller's transaction (stores records, queue, conflicts). A record that is gone on both
// sides, with nothing waiting, is forgotten.
export async function refreshShown(tx: IDBTransaction, space: string, type: string, id: string): Promise<void> {
  const key = recordKey(space, type, id);
  const records = tx.objectStore('records');
  const row = await request(records.get(key)) as RecordRow | undefined;
  const edits = await all<QueuedEdit>(tx.objectStore('queue').index('record'), key);
  const conflicts = await all<ConflictRow>(tx.objectStore('conflicts').index('record'), key);
  if (!row) return;
  // A conflict with a record deleted on the server shows the record as this device had it.
  const layers = [...conflicts.map((c) => c.record === null && c.op !== 'DELETE'
    ? { op: 'CREATE', fields: { ...(c.localBase ?? {}), ...c.fields } } : { op: c.op, fields: c.fields }),
  ...edits.sort((a, b) => a.seq! - b.seq!)];
  row.data = overlay(row.base, layers);
  if (row.data === null && row.base === null && edits.length === 0 && conflicts.length === 0 && !row.rejected) {
    await request(records.delete(key));
  } else {
    await request(records.put(row));
  }
}
