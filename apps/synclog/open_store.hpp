// Which database `--db` names and opening it: a postgres:// or postgresql:// URL is the
// PostgreSQL backend, anything else a SQLite file (default <data-dir>/synclog.db). Shared by
// `serve` (which opens a store) and `migrate` (which only brings the schema up to date), so
// the two always agree on what a --db value means.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "storage/maintenance.hpp"
#include "storage/store.hpp"

namespace synclog::cli {

// True when `db` is a PostgreSQL URL rather than a SQLite path.
bool is_postgres_url(std::string_view db);

// The --db value in effect: `db` itself, or the data directory's SQLite file when empty.
std::string resolve_db(const std::string& db, const std::string& data_dir);

// How to open a store on `db` (already resolved).
struct StoreSettings {
  std::string db;
  int sqlite_readers = 2;  // SQLite reader threads
  int pg_connections = 8;  // PostgreSQL connections (one worker thread each)
  storage::MaintenanceOptions maintenance;
};

// Opens (migrating first) the store `settings.db` names. Fails with the reason, naming the
// database, when it cannot be opened or reached.
Result<std::unique_ptr<storage::Store>> open_store(const StoreSettings& settings);

struct SchemaReport {
  std::string backend;  // "sqlite" or "postgres"
  int before = 0;       // 0: the database was empty (or new)
  int after = 0;
};

// Brings the schema of the database `db` names up to this build's version, as opening a store
// would, and reports the versions before and after.
Result<SchemaReport> migrate_database(const std::string& db);

}  // namespace synclog::cli
