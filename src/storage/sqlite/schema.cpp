// Schema migrations, applied in order and recorded in PRAGMA user_version.
//
// Protocol of the on-disk format (append a line when it changes):
//   1  users, records, entries (this file's first version)
//   2  users.horizon (retention), idempotency (stored answers), entries_tombstones
#include "storage/sqlite/schema.hpp"

#include <iterator>
#include <string>

namespace synclog::storage::sqlite {
namespace {

// Every table is keyed by user first: a user's rows are contiguous and the schema distributes
// by user without change.
constexpr const char* kMigrations[] = {
    // 1
    R"sql(
CREATE TABLE users(
  uid INTEGER PRIMARY KEY,
  subject TEXT NOT NULL UNIQUE,
  head INTEGER NOT NULL,
  baseline INTEGER NOT NULL
);
CREATE TABLE records(
  uid INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_ts INTEGER NOT NULL,
  k1 TEXT,
  k2 TEXT,
  data TEXT NOT NULL,
  PRIMARY KEY(uid, kind, id)
) WITHOUT ROWID;
CREATE INDEX records_k1 ON records(uid, kind, k1) WHERE k1 IS NOT NULL;
CREATE INDEX records_k2 ON records(uid, kind, k2) WHERE k2 IS NOT NULL;
CREATE TABLE entries(
  uid INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  id TEXT NOT NULL,
  op INTEGER NOT NULL,
  created_ts INTEGER NOT NULL,
  superseded_at INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL,
  PRIMARY KEY(uid, ts)
) WITHOUT ROWID;
CREATE UNIQUE INDEX entries_live ON entries(uid, kind, id) WHERE superseded_at = 0;
CREATE INDEX entries_scan ON entries(uid, ts, kind, superseded_at);
CREATE INDEX entries_superseded ON entries(superseded_at, uid) WHERE superseded_at > 0;
)sql",
    // 2
    R"sql(
ALTER TABLE users ADD COLUMN horizon INTEGER NOT NULL DEFAULT 0;
-- A rowid table: stored answers can be tens of KiB, too large for WITHOUT ROWID's b-tree.
CREATE TABLE idempotency(
  uid INTEGER NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX idempotency_key ON idempotency(uid, key);
CREATE INDEX idempotency_age ON idempotency(created_ms);
CREATE INDEX entries_tombstones ON entries(ts) WHERE op = 2 AND superseded_at = 0;
)sql",
};

}  // namespace

static_assert(std::size(kMigrations) == kSchemaVersion);

Status migrate(Connection& c) { return run_migrations(c, kMigrations, "database"); }

}  // namespace synclog::storage::sqlite
