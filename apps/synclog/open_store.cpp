// The one place the command line chooses a storage backend.
#include "open_store.hpp"

#include <filesystem>

#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_schema.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite/statement.hpp"

namespace synclog::cli {
bool is_postgres_url(std::string_view db) {
  return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

std::string resolve_db(const std::string& db, const std::string& data_dir) {
  return db.empty() ? (std::filesystem::path(data_dir) / "synclog.db").string() : db;
}

Result<std::unique_ptr<storage::Store>> open_store(const StoreSettings& settings) {
  if (is_postgres_url(settings.db)) {
    storage::postgres::PgOptions o;
    static_cast<storage::MaintenanceOptions&>(o) = settings.maintenance;
    o.conninfo = settings.db;
    o.connections = settings.pg_connections;
    SYNCLOG_ASSIGN_OR_RETURN(auto store, storage::postgres::PgStore::open(o));
    return std::unique_ptr<storage::Store>(std::move(store));
  }
  storage::sqlite::SqliteOptions o;
  static_cast<storage::MaintenanceOptions&>(o) = settings.maintenance;
  o.path = settings.db;
  o.readers = settings.sqlite_readers;
  auto store = storage::sqlite::SqliteStore::open(o);
  if (!store.ok()) return make_error(store.error().code, settings.db + ": " + store.error().message);
  return std::unique_ptr<storage::Store>(std::move(*store));
}

Result<SchemaReport> migrate_database(const std::string& db) {
  SchemaReport report;
  if (is_postgres_url(db)) {
    report.backend = "postgres";
    SYNCLOG_ASSIGN_OR_RETURN(auto c, storage::postgres::PgConnection::connect(db, /*pipeline=*/false));
    SYNCLOG_ASSIGN_OR_RETURN(const storage::postgres::SchemaVersions v, storage::postgres::migrate(*c));
    report.before = v.before;
    report.after = v.after;
    return report;
  }
  report.backend = "sqlite";
  auto opened = storage::sqlite::Connection::open(db, /*create=*/true);
  if (!opened.ok()) return make_error(opened.error().code, db + ": " + opened.error().message);
  storage::sqlite::Connection& c = **opened;
  SYNCLOG_ASSIGN_OR_RETURN(report.before, storage::sqlite::schema_version(c));
  if (const Status s = storage::sqlite::migrate(c); !s.ok()) return make_error(s.code(), db + ": " + s.message());
  SYNCLOG_ASSIGN_OR_RETURN(report.after, storage::sqlite::schema_version(c));
  return report;
}

}  // namespace synclog::cli
