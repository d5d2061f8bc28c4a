// One fresh database per test, on either backend, and stores opened on it: SQLite in a
// temporary directory, or PostgreSQL in a new database (test_database.hpp: random name,
// dropped when the test ends) on the cluster whose socket directory SYNCLOG_TEST_PG_HOST names
// (CTest's postgres fixture sets it; without it PostgreSQL tests skip). Opening a second store
// on the same PostgreSQL database gives a second "node".
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "storage/maintenance.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace synclog::test {

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(Backend b) { return b == Backend::kSqlite ? "Sqlite" : "Postgres"; }

// Maintenance suited to tests: background passes effectively off, so only the test_*_now()
// calls compact and purge.
inline storage::MaintenanceOptions test_maintenance() {
  storage::MaintenanceOptions m;
  m.maintenance_interval = std::chrono::hours(24);
  return m;
}

class BackendDatabase {
 public:
  explicit BackendDatabase(Backend backend) : backend_(backend) {}

  Backend backend() const { return backend_; }

  // Why this backend cannot run here (the test should skip), if it cannot.
  std::optional<std::string> unavailable() const {
    if (backend_ == Backend::kPostgres && !test_postgres_host()) {
      return "SYNCLOG_TEST_PG_HOST is not set (run through ctest's .postgres tests)";
    }
    return std::nullopt;
  }

  // Creates the empty database.
  Status create() {
    if (backend_ == Backend::kSqlite) {
      if (!dir_.ok()) return make_error(ErrorCode::kInternal, "cannot create a temporary directory");
      return Status();
    }
    try {
      pg_ = std::make_unique<TestDatabase>(*test_postgres_host());
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kUnavailable, e.what());
    }
    return Status();
  }

  // What `synclog serve --db` would be given.
  std::string location() const {
    return backend_ == Backend::kSqlite ? dir_.file("synclog.db") : pg_->url();
  }
  const TempDir& dir() const { return dir_; }

  // A store on the database (another one on the same database is another node, on PostgreSQL).
  Result<std::unique_ptr<storage::Store>> open(const storage::MaintenanceOptions& m = test_maintenance()) const {
    if (backend_ == Backend::kSqlite) {
      storage::sqlite::SqliteOptions o;
      static_cast<storage::MaintenanceOptions&>(o) = m;
      o.path = location();
      o.readers = 2;
      SYNCLOG_ASSIGN_OR_RETURN(auto s, storage::sqlite::SqliteStore::open(o));
      return std::unique_ptr<storage::Store>(std::move(s));
    }
    SYNCLOG_ASSIGN_OR_RETURN(auto s, storage::postgres::PgStore::open(pg_options(m)));
    return std::unique_ptr<storage::Store>(std::move(s));
  }

  storage::postgres::PgOptions pg_options(const storage::MaintenanceOptions& m = test_maintenance()) const {
    storage::postgres::PgOptions o;
    static_cast<storage::MaintenanceOptions&>(o) = m;
    o.conninfo = location();
    o.connections = 2;
    return o;
  }

 private:
  Backend backend_;
  TempDir dir_;
  std::unique_ptr<TestDatabase> pg_;  // PostgreSQL only, once created
};

// The backends' maintenance passes, run now (the store must be one a BackendDatabase opened).
inline Result<std::int64_t> compact_now(storage::Store& s) {
  if (auto* q = dynamic_cast<storage::sqlite::SqliteStore*>(&s)) return q->test_compact_now();
  if (auto* p = dynamic_cast<storage::postgres::PgStore*>(&s)) return p->test_compact_now();
  return make_error(ErrorCode::kInternal, "not a store of a known backend");
}

inline Result<std::int64_t> purge_now(storage::Store& s) {
  if (auto* q = dynamic_cast<storage::sqlite::SqliteStore*>(&s)) return q->test_purge_now();
  if (auto* p = dynamic_cast<storage::postgres::PgStore*>(&s)) return p->test_purge_now();
  return make_error(ErrorCode::kInternal, "not a store of a known backend");
}

}  // namespace synclog::test
