// Online backup of the SQLite database: a consistent copy taken while a server keeps serving
// (and writing) the source, published atomically. `synclog backup` is the command in front of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.hpp"

namespace synclog::storage::sqlite {

struct BackupOptions {
  std::string source;       // the database file to copy; opened read-only, never created
  std::string destination;  // where the copy goes
  bool force = false;       // replace `destination` if it exists
};

struct BackupReport {
  std::int64_t pages = 0;      // pages copied
  std::int64_t page_size = 0;  // bytes per page
  std::int64_t bytes = 0;      // size of the published copy
  int schema_version = 0;      // PRAGMA user_version of the copy (as of the snapshot)
  std::chrono::milliseconds duration{0};
};

// Copies `source` as of one moment (a single read transaction: every transaction committed
// before it began is in the copy, none committed after it is, and none is partly there) into
// `destination`, through a temporary file `<destination>.tmp-<pid>` in the same directory that
// is checked (PRAGMA quick_check), fsynced and renamed over `destination` (whose directory is
// then fsynced). Writers on the source are never blocked.
//
// Refuses, before copying anything: a missing source, or one that is not a synclog database
// (schema version 0); an existing `destination` unless `force`; a `destination` that is the
// source itself, or that has a `-wal`/`-shm` file next to it (it may be open in SQLite, and a
// stale log would be replayed onto the copy).
//
// On failure `destination` is untouched (as it was, or still absent) and the temporary file is
// removed; the error's message says what went wrong, naming the file. Blocking; not for use on a
// server thread.
Result<BackupReport> backup_database(const BackupOptions& options);

}  // namespace synclog::storage::sqlite
