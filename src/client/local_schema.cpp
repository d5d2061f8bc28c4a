// The device file's migrations, applied in order and recorded in PRAGMA user_version (the same
// scheme as the server's storage/sqlite/schema.cpp).
//
// Protocol of the on-disk format (append a line when it changes):
//   1  meta, records, queue, batches, conflicts (this file's first version)
//   2  queue.held: the conflict-log row holding a mutation back until the user answers
//   3  shared spaces: spaces, space_records, space_queue, space_batches, space_conflicts,
//      space_rejections, quarantine, app_schemas (docs/client.md, "Shared spaces")
//   4  resync_unseen: a pull from 0 survives interruptions (what it has not brought yet)
#include "client/local_schema.hpp"

#include <iterator>
#include <string>

namespace synclog::client {
namespace {

constexpr const char* kMigrations[] = {
    // 1
    R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
-- resource is the wire name ("NOTE"), so the file reads plainly in the sqlite3 shell.
-- base is NULL until the record is first synced.
CREATE TABLE records(
  resource TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  base TEXT,
  PRIMARY KEY(resource, id)
) WITHOUT ROWID;
-- AUTOINCREMENT: a seq is never reused, so the seqs a batch stored can never come to name a
-- later mutation.
CREATE TABLE queue(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  resource TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  base_version INTEGER NOT NULL,
  client_updated_at INTEGER NOT NULL,
  batch TEXT
);
CREATE INDEX queue_record ON queue(resource, id, seq);
CREATE INDEX queue_batch ON queue(batch) WHERE batch IS NOT NULL;
-- seqs: the batch's queue seqs in request order, comma-separated (the acks come in that order).
CREATE TABLE batches(
  key TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  body TEXT NOT NULL,
  seqs TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
-- clashing_fields is a JSON array of field names.
CREATE TABLE conflicts(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  resource TEXT NOT NULL,
  id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  outcome TEXT NOT NULL,
  local TEXT NOT NULL,
  server TEXT NOT NULL,
  result TEXT NOT NULL,
  clashing_fields TEXT NOT NULL,
  reason TEXT NOT NULL,
  resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conflicts_unresolved ON conflicts(seq) WHERE resolved = 0;
)sql",
    // 2
    R"sql(
-- 0: free to push; else the conflicts.seq whose answer it waits for.
ALTER TABLE queue ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3
    R"sql(
-- The spaces the person's feed lists. cursor: the space log's head applied; 0 until the first
-- pull completes. needed_version > 0: the space refused this app's schema version (426) and
-- nothing of it syncs until the app is built for at least that version.
CREATE TABLE spaces(
  space TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  schema TEXT NOT NULL,
  role TEXT NOT NULL,
  cursor INTEGER NOT NULL DEFAULT 0,
  needed_version INTEGER NOT NULL DEFAULT 0,
  added_ms INTEGER NOT NULL
) WITHOUT ROWID;
-- The schema documents the device validates against: the version the app was built for
-- (pinned) or the latest the server had when the device last looked.
CREATE TABLE app_schemas(
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  pinned INTEGER NOT NULL
) WITHOUT ROWID;
-- data: the record as the device shows it (the server's state with pending fields laid over);
-- base: the server's state at version (NULL: the server never had it). rejected: the
-- space_rejections row of a CREATE the server refused (the record is kept for the person).
CREATE TABLE space_records(
  space TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  base TEXT,
  rejected INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(space, type, id)
) WITHOUT ROWID;
-- fields: what the mutation sets (a CREATE all it has, an UPDATE what changed; {} for a
-- DELETE). base: the record as the server had it when the edit was made (NULL: none), what
-- a conflict shows as the value both sides started from. held: the space_conflicts row it
-- waits for.
CREATE TABLE space_queue(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  space TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  op TEXT NOT NULL,
  fields TEXT NOT NULL,
  base_version INTEGER NOT NULL,
  captured_ms INTEGER NOT NULL,
  base TEXT,
  batch TEXT,
  held INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX space_queue_record ON space_queue(space, type, id, seq);
CREATE TABLE space_batches(
  key TEXT PRIMARY KEY,
  space TEXT NOT NULL,
  target TEXT NOT NULL,
  body TEXT NOT NULL,
  seqs TEXT NOT NULL
);
-- A field-mode conflict the person settles: the server's record and version, the clashes as
-- the server sent them (JSON array), the device's fields and the base they were edited from.
CREATE TABLE space_conflicts(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  space TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  reason TEXT NOT NULL,
  version INTEGER NOT NULL,
  server TEXT NOT NULL,
  clashes TEXT NOT NULL,
  local TEXT NOT NULL,
  base TEXT NOT NULL,
  resolution TEXT
);
-- A mutation the server refused (reason: permission, validation, reference, schema), with
-- what it carried, kept until the person dismisses it.
CREATE TABLE space_rejections(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  space TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  op TEXT NOT NULL,
  fields TEXT NOT NULL,
  reason TEXT NOT NULL,
  field TEXT NOT NULL,
  message TEXT NOT NULL,
  captured_ms INTEGER NOT NULL
);
-- Edits the server never accepted, of spaces the person was removed from: never deleted by
-- the engine; the app lists, exports and discards them.
CREATE TABLE quarantine(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  space TEXT NOT NULL,
  space_name TEXT NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  op TEXT NOT NULL,
  fields TEXT NOT NULL,
  captured_ms INTEGER NOT NULL,
  reason TEXT NOT NULL
);
)sql",
    // 4
    R"sql(
-- The synced records a pull from 0 (meta "resyncing") has not brought yet: those still here
-- when it completes are gone on the server.
CREATE TABLE resync_unseen(
  resource TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY(resource, id)
) WITHOUT ROWID;
)sql",
};
static_assert(std::size(kMigrations) == kLocalSchemaVersion);

}  // namespace

Status migrate_local(storage::sqlite::Connection& c) {
  return storage::sqlite::run_migrations(c, kMigrations, "device file");
}

}  // namespace synclog::client
