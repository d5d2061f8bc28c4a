// Schema migrations of the PostgreSQL backend (docs/storage.md describes the tables; they are
// SQLite's, with the columns PostgreSQL needs to serve several nodes).
//
// Protocol of the schema (append a line when it changes):
//   1  subjects, users (with traversal_ms and compactions), records, entries, idempotency
//
// Distribution. The subject -> uid mapping has its own table, and every other table is keyed
// by uid first, so the schema distributes by user without change, e.g. with Citus:
//   SELECT create_distributed_table('subjects', 'subject');
//   SELECT create_distributed_table('users', 'uid');
//   SELECT create_distributed_table('records', 'uid', colocate_with => 'users');
//   SELECT create_distributed_table('entries', 'uid', colocate_with => 'users');
//   SELECT create_distributed_table('idempotency', 'uid', colocate_with => 'users');
// Every transaction of the store touches one user (its users row, then its rows in the
// co-located tables: one shard group), except resolve_user, which writes subjects and users
// in one statement, maintenance's selection of candidates, which scans all shards and then
// works user by user, and a space's membership change, which reaches the member's feed
// (WriteTxn::also: two users, two shard groups). Spaces, feeds and the schema catalog are
// users in this sense (docs/storage.md, "Log owners"), so every space table is keyed by space
// first. Unique indexes all start with their table's distribution column.
// Identifiers and keys are COLLATE "C": ordered by bytes, as SQLite orders them, whatever the
// database's default collation.
#include "storage/postgres/pg_schema.hpp"

#include <iterator>
#include <string>

namespace synclog::storage::postgres {
namespace {

// pg_advisory_lock key held while migrating ("synclog" and 1).
constexpr const char* kLockSchema = "SELECT pg_advisory_lock(8320803159843759873)";
constexpr const char* kUnlockSchema = "SELECT pg_advisory_unlock(8320803159843759873)";

constexpr const char* kMigrations[] = {
    // 1
    R"sql(
CREATE SEQUENCE user_ids;
CREATE TABLE subjects(
  subject text COLLATE "C" PRIMARY KEY,
  uid bigint NOT NULL
);
CREATE TABLE users(
  uid bigint PRIMARY KEY,
  head bigint NOT NULL,
  baseline bigint NOT NULL,
  horizon bigint NOT NULL DEFAULT 0,
  -- Database time (ms) of the latest offset-paged read of this user that will read further
  -- pages; maintenance leaves the user's log alone while it is recent.
  traversal_ms bigint NOT NULL DEFAULT 0,
  -- Bumped by every maintenance transaction that removed entries of this user: a paged read
  -- records its traversal only if no compaction committed since its snapshot.
  compactions bigint NOT NULL DEFAULT 0
);
CREATE TABLE records(
  uid bigint NOT NULL,
  kind integer NOT NULL,
  id text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  created_ts bigint NOT NULL,
  k1 text COLLATE "C",
  k2 text COLLATE "C",
  data text NOT NULL,
  PRIMARY KEY(uid, kind, id)
);
CREATE INDEX records_k1 ON records(uid, kind, k1) WHERE k1 IS NOT NULL;
CREATE INDEX records_k2 ON records(uid, kind, k2) WHERE k2 IS NOT NULL;
CREATE TABLE entries(
  uid bigint NOT NULL,
  ts bigint NOT NULL,
  kind integer NOT NULL,
  id text COLLATE "C" NOT NULL,
  op integer NOT NULL,
  created_ts bigint NOT NULL,
  superseded_at bigint NOT NULL DEFAULT 0,
  data text NOT NULL,
  PRIMARY KEY(uid, ts)
);
CREATE UNIQUE INDEX entries_live ON entries(uid, kind, id) WHERE superseded_at = 0;
CREATE INDEX entries_scan ON entries(uid, ts, kind, superseded_at);
CREATE INDEX entries_superseded ON entries(superseded_at, uid) WHERE superseded_at > 0;
CREATE INDEX entries_tombstones ON entries(ts) WHERE op = 2 AND superseded_at = 0;
CREATE TABLE idempotency(
  uid bigint NOT NULL,
  key text COLLATE "C" NOT NULL,
  fingerprint text NOT NULL,
  created_ms bigint NOT NULL,
  status integer NOT NULL,
  headers text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY(uid, key)
);
CREATE INDEX idempotency_age ON idempotency(created_ms);
)sql",
};

static_assert(std::size(kMigrations) == kPgSchemaVersion);

constexpr PgStatement kCurrentVersion{
    nullptr, "SELECT coalesce(max(version), 0) FROM synclog_schema"};
constexpr PgStatement kRecordVersion{nullptr, "INSERT INTO synclog_schema(version) VALUES($1)"};
constexpr PgStatement kHasSchemaTable{nullptr, "SELECT to_regclass('synclog_schema') IS NOT NULL"};

Result<int> current_version(PgConnection& c) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult has, c.query(kHasSchemaTable));
  if (has.rows() == 0 || has.text_at(0, 0) != "t") return 0;
  SYNCLOG_ASSIGN_OR_RETURN(PgResult v, c.query(kCurrentVersion));
  return static_cast<int>(v.int_at(0, 0));
}

Result<SchemaVersions> migrate_locked(PgConnection& c) {
  SYNCLOG_RETURN_IF_ERROR(c.exec(
      "CREATE TABLE IF NOT EXISTS synclog_schema("
      "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"));
  SchemaVersions v;
  SYNCLOG_ASSIGN_OR_RETURN(v.before, current_version(c));
  if (v.before > kPgSchemaVersion) {
    return make_error(ErrorCode::kInternal, "postgres: database schema version " + std::to_string(v.before) +
                                                " is newer than this synclog (" +
                                                std::to_string(kPgSchemaVersion) + ")");
  }
  for (int step = v.before; step < kPgSchemaVersion; ++step) {
    SYNCLOG_RETURN_IF_ERROR(c.exec("BEGIN"));
    Status s = c.exec(kMigrations[step]);
    if (s.ok()) s = c.query(kRecordVersion, PgParams().add(std::int64_t{step + 1})).status();
    if (s.ok()) s = c.exec("COMMIT");
    if (!s.ok()) {
      c.exec("ROLLBACK").ignore();
      return make_error(s.code(), "migrating to schema version " + std::to_string(step + 1) + ": " + s.message());
    }
  }
  v.after = kPgSchemaVersion;
  return v;
}

}  // namespace

Result<int> schema_version(PgConnection& c) { return current_version(c); }

Result<SchemaVersions> migrate(PgConnection& c) {
  SYNCLOG_RETURN_IF_ERROR(c.exec(kLockSchema));
  auto result = migrate_locked(c);
  // A lost connection released the lock with its session; otherwise release it now.
  c.exec(kUnlockSchema).ignore();
  return result;
}

}  // namespace synclog::storage::postgres
