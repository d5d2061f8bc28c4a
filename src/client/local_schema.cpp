// The device file's migrations, applied in order and recorded in PRAGMA user_version (the same
// scheme as the server's storage/sqlite/schema.cpp).
//
// Protocol of the on-disk format (append a line when it changes):
//   1  meta, records, queue, batches, conflicts (this file's first version)
//   2  queue.held: the conflict-log row holding a mutation back until the user answers
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
};
static_assert(std::size(kMigrations) == kLocalSchemaVersion);

}  // namespace

Status migrate_local(storage::sqlite::Connection& c) {
  return storage::sqlite::run_migrations(c, kMigrations, "device file");
}

}  // namespace synclog::client
