// Schema migrations, applied in order and recorded in PRAGMA user_version.
//
// Protocol of the on-disk format (append a line when it changes):
//   1  users, records, entries (this file's first version)
//   2  users.horizon (retention), idempotency (stored answers), entries_tombstones
#include "storage/sqlite/schema.hpp"

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

Status migrate(Connection& c) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement* version_stmt, c.prepare("PRAGMA user_version"));
  SYNCLOG_ASSIGN_OR_RETURN(bool row, version_stmt->step());
  const int current = row ? static_cast<int>(version_stmt->int_at(0)) : 0;
  version_stmt->reset();
  if (current > kSchemaVersion) {
    return make_error(ErrorCode::kInternal,
                      "database schema version " + std::to_string(current) +
                          " is newer than this synclog (" + std::to_string(kSchemaVersion) + ")");
  }
  for (int v = current; v < kSchemaVersion; ++v) {
    SYNCLOG_RETURN_IF_ERROR(c.exec("BEGIN IMMEDIATE"));
    Status s = c.exec(kMigrations[v]);
    if (s.ok()) s = c.exec("PRAGMA user_version = " + std::to_string(v + 1));
    if (s.ok()) s = c.exec("COMMIT");
    if (!s.ok()) {
      c.exec("ROLLBACK").ignore();
      return s;
    }
  }
  return Status();
}

}  // namespace synclog::storage::sqlite
