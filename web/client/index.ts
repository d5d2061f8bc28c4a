// synclog's browser client: offline-first records in shared spaces, for any web app. See
// docs/web.md "The client library" for how to use it on its own.
export { SyncClient, tokenSubject, ApiError, NetworkError, type ClientOptions } from './client.js';
export { SpaceAdmin, type Member, type ImportReport } from './admin.js';
export { EditRefused, newRecordId, type Basis, type PutOptions } from './edits.js';
export { checkEdit, checkValue, mayWrite, writersOf, type FieldProblem } from './validation.js';
export { SseParser, type ServerEvent } from './sse.js';
export { parseCsv, csvRecords } from './csv.js';
export type * from './types.js';
