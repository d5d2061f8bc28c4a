// What the browser client keeps and tells: spaces, schemas, records, queued edits, and the
// three tiers of outcome (synced; merged with a notification; needs the person), shaped like
// the C++ SDK's (include/synclog/client/spaces.hpp) so both read the same server answers alike.

export type Role = 'owner' | 'lead' | 'member' | 'viewer';
export type Op = 'CREATE' | 'UPDATE' | 'DELETE';
export type FieldValue = string | number | boolean | string[] | null;
export type Fields = Record<string, FieldValue>;

export interface FieldSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'enum' | 'stringList' | 'reference';
  required?: boolean;
  default?: FieldValue;
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  maxItems?: number;
  values?: string[];
  to?: string;
  renamedFrom?: string;
}

export interface TypeSpec {
  masterData?: boolean;
  writers?: Role[];
  conflictPolicy?: 'field' | 'lastWriteWins' | 'serverWins';
  fields: Record<string, FieldSpec>;
}

export interface SchemaDocument {
  name: string;
  version: number;
  minVersion?: number;
  types: Record<string, TypeSpec>;
}

export interface SpaceRow {
  spaceId: string;
  name: string;
  schema: string;
  role: Role;
  cursor: number;            // the space's head this device has applied up to (0: never pulled)
  firstPullDone: boolean;
  schemaVersion: number;     // the newest schema version the device holds for the space
  neededVersion: number;     // after a 426: the schema version the space requires (0: none)
  resyncEpoch: number;       // while a pull from 0 runs: its mark on every record it brought (0: none)
  lastSyncMs: number;        // when a sync of the space last completed (0: never)
  lastError: string;
}

export interface RecordRow {
  space: string;
  type: string;
  id: string;
  data: Fields | null;       // what the person sees: the server's state with queued edits laid over; null when deleted here
  base: Fields | null;       // the server's state at `version` (null: never synced, or deleted there)
  version: number;           // the server ts of `base` (0: never synced)
  updatedBy: string;
  rejected: string;          // the refusal of its CREATE, kept until it is fixed or dismissed
  seen: number;              // the resyncEpoch of the pull from 0 that last brought it
}

export interface QueuedEdit {
  seq?: number;
  space: string;
  type: string;
  id: string;
  op: Op;
  fields: Fields;            // what it sets (a CREATE: all it has)
  baseVersion: number;       // the record's version when it was edited
  capturedAt: number;        // epoch ms of the person's edit: the server's "capture time"
  schemaVersion: number;     // the schema version the form was built from (sent as X-Schema-Version)
  batch: string;             // the Idempotency-Key of the push carrying it ('' when waiting)
  held: number;              // the conflict it waits for (0: none)
}

export interface Batch {
  key: string;               // Idempotency-Key, stored before the push is sent
  space: string;
  target: string;
  body: string;              // exactly what was sent: a retry is the same request byte for byte
  seqs: number[];            // the queued edits in request order, the acks' order
  sentAt: number;
}

export interface Side {
  value: FieldValue | undefined;
  by?: string;
  client?: string;
  at?: string;               // when the server took it
  capturedAt?: string;       // when a device captured it
}

export interface Clash {
  field: string;
  server: Side;
  device: Side;
}

export interface ConflictRow {
  seq?: number;
  space: string;
  type: string;
  id: string;
  op: Op;
  reason: string;            // 'changed' or 'deleted'
  fields: Fields;            // everything the refused edit set
  version: number;           // the server record's version: the resolution's base
  record: Fields | null;     // the record as the server has it (null: deleted there)
  localBase: Fields | null;  // the record as this device had it before: what "keep mine" re-creates
  clashes: Clash[];
  capturedAt: number;
  at: number;                // when the device learned of it
}

export interface RejectionRow {
  seq?: number;
  space: string;
  type: string;
  id: string;
  op: Op;
  fields: Fields;            // the data, kept
  reason: string;            // permission, validation, reference, schema, revoked, update-required
  schemaVersion: number;
  field: string;
  message: string;
  at: number;
}

export interface QuarantineRow {
  seq?: number;
  space: string;
  spaceName: string;
  type: string;
  id: string;
  op: Op;
  fields: Fields;
  capturedAt: number;
  reason: string;
  at: number;
}

export type SyncEventKind =
  | 'applied' | 'merged' | 'softMerged' | 'settled' | 'conflict' | 'rejected'
  | 'space-added' | 'space-removed' | 'role-changed' | 'update-required'
  | 'progress' | 'synced' | 'offline' | 'error';

export interface SyncEvent {
  kind: SyncEventKind;
  space?: string;
  type?: string;
  id?: string;
  fields?: string[];
  message: string;
  pulled?: number;
  total?: number;
}

export interface SpaceState {
  space: SpaceRow;
  pending: number;
  inFlight: number;
  conflicts: number;
  rejections: number;
  syncing: boolean;
  progress: { pulled: number; total: number } | null;
}

export type Resolution =
  | { kind: 'acceptServer' }
  | { kind: 'keepLocal' }
  | { kind: 'manual'; values: Fields };
