// `synclog migrate`: brings a database's schema up to this build's version without serving it
// (serve does the same when it starts), and says which version it found and left. Safe while
// other nodes run or start: PostgreSQL migrations wait for each other (an advisory lock).
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "open_store.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace synclog::cli {
namespace {

struct MigrateFlags {
  std::string data_dir = "./synclog-data";
  std::string db;
};

int run_migrate(const MigrateFlags& f) {
  const std::string db = resolve_db(f.db, f.data_dir);
  const std::string shown = is_postgres_url(db) ? storage::postgres::redact_conninfo(db) : db;
  auto report = migrate_database(db);
  if (!report.ok()) {
    std::cerr << "synclog migrate: " << report.error().message << "\n";
    return 2;
  }
  std::cout << report->backend << " database " << shown << ": schema version " << report->before;
  if (report->after != report->before) {
    std::cout << " -> " << report->after << "\n";
  } else {
    std::cout << " (up to date)\n";
  }
  return 0;
}

}  // namespace

Command add_migrate_command(CLI::App& app) {
  auto f = std::make_shared<MigrateFlags>();
  auto* cmd = app.add_subcommand("migrate", "Bring a database's schema up to this version of synclog");
  cmd->add_option("--data-dir", f->data_dir, "Data directory whose synclog.db to migrate (when --db is not given)")
      ->envname("SYNCLOG_DATA_DIR")->capture_default_str();
  cmd->add_option("--db", f->db,
                  "The database: a SQLite file path (default: <data-dir>/synclog.db) or a "
                  "postgres://… / postgresql://… URL")
      ->envname("SYNCLOG_DB");
  return [f] { return run_migrate(*f); };
}

}  // namespace synclog::cli
