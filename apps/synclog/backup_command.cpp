// `synclog backup`: a consistent copy of the database, safe to take while a server is serving
// (and writing) it. The copy is a complete database: `synclog serve --db <copy>` serves it.
// It does not include the data directory's secret.key (docs/storage.md, "Backups and
// inspection").
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "open_store.hpp"
#include "storage/sqlite/backup.hpp"

namespace synclog::cli {
namespace {

struct BackupFlags {
  std::string data_dir = "./synclog-data";
  std::string db;
  std::string out;
  bool force = false;
};

int fail(const std::string& message) {
  std::cerr << "synclog backup: " << message << "\n";
  return 1;
}

int run_backup(const BackupFlags& f) {
  storage::sqlite::BackupOptions options;
  options.source = resolve_db(f.db, f.data_dir);
  options.destination = f.out;
  options.force = f.force;
  if (is_postgres_url(options.source)) {
    return fail("--db: only SQLite databases can be backed up by synclog; use pg_dump for PostgreSQL");
  }
  auto report = storage::sqlite::backup_database(options);
  if (!report.ok()) return fail(report.error().message);
  std::cout << "copied " << options.source << " to " << options.destination << ": "
            << report->bytes << " bytes, " << report->pages << " pages of " << report->page_size
            << " bytes, schema version " << report->schema_version << ", in "
            << report->duration.count() << " ms\n";
  return 0;
}

}  // namespace

Command add_backup_command(CLI::App& app) {
  auto f = std::make_shared<BackupFlags>();
  auto* cmd = app.add_subcommand(
      "backup", "Copy the database consistently, while a server may be serving it");
  cmd->add_option("--data-dir", f->data_dir, "Data directory whose synclog.db to copy")
      ->envname("SYNCLOG_DATA_DIR")->capture_default_str();
  cmd->add_option("--db", f->db,
                  "The database to copy: a SQLite file path (default: <data-dir>/synclog.db)")
      ->envname("SYNCLOG_DB");
  cmd->add_option("--out", f->out, "Where to write the copy (a new SQLite file)")->required();
  cmd->add_flag("--force", f->force, "Replace --out if it exists");
  return [f] { return run_backup(*f); };
}

}  // namespace synclog::cli
