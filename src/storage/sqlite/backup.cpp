// Online backup with SQLite's backup API.
//
// Consistency. sqlite3_backup_step() copies a batch of pages inside a read transaction; when it
// opens that transaction itself, it closes it again before returning, and if another connection
// (the server's writer) committed in between, the next step notices and starts the copy over.
// Stepping in small batches under constant writes can therefore restart forever, and copying in
// one step(-1) on its own only works because the single step holds one transaction throughout.
// We make that explicit instead: BEGIN on the source connection and one read start a read
// transaction, whose WAL snapshot stays fixed until we end it, and every step runs inside it
// (backup_step uses an open transaction rather than opening its own). The copy is then exactly
// the database as of that read, however long the copy takes and however much is written
// meanwhile, and it never restarts, so it cannot starve. The steps are bounded only so each call
// is short and a BUSY/LOCKED answer costs one retry of one batch.
//
// What holding the snapshot costs the server: nothing blocks. In WAL mode readers never wait
// for the writer and the writer never waits for readers; the server only runs automatic
// (PASSIVE) checkpoints, which copy what they can and never wait. A checkpoint cannot move
// past our snapshot while we hold it, so the -wal file grows by whatever is written during the
// copy, and is reused from the start once we are done.
//
// Publication: the copy is written to <destination>.tmp-<pid>, checked, fsynced, and renamed
// over the destination, then the directory is fsynced: the destination is always either what
// it was or the whole, checked copy.
#include "storage/sqlite/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace synclog::storage::sqlite {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Pages per sqlite3_backup_step(): 4 MiB at the default 4 KiB page size. The snapshot does not
// depend on it (see above); it bounds the work per call and per retry.
constexpr int kPagesPerStep = 1024;
// How long one SQLite call waits on a lock before answering SQLITE_BUSY. Short: we retry
// ourselves, and would rather report a stuck lock than hang.
constexpr int kBusyTimeoutMs = 100;
// BUSY/LOCKED answers in a row before giving up, with kRetryPause between them (with the busy
// timeout, about 15 s in all). Starting a read transaction can briefly be BUSY while another
// connection recovers or restarts the WAL; nothing else should be.
constexpr int kMaxBusyRetries = 100;
constexpr auto kRetryPause = std::chrono::milliseconds(50);

bool retryable(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error(ErrorCode::kInternal, what + " " + path + ": " + std::strerror(err));
}

Error db_error(sqlite3* db, const std::string& what, const std::string& path) {
  return make_error(ErrorCode::kInternal, what + " " + path + ": " + sqlite3_errmsg(db));
}

// An open sqlite3 handle, closed on destruction (once its statements and backups are done).
class Handle {
 public:
  Handle() = default;
  ~Handle() { close(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  sqlite3** out() { return &db_; }
  sqlite3* get() const { return db_; }
  // SQLITE_OK, or why the handle could not be closed cleanly.
  int close() {
    const int rc = sqlite3_close(db_);
    db_ = nullptr;
    return rc;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Runs `f` (returning a SQLite result code) until it answers something other than BUSY/LOCKED
// or kMaxBusyRetries is exhausted; returns the last answer.
template <class F>
int with_retries(F&& f) {
  int rc = f();
  for (int retries = 0; retryable(rc) && retries < kMaxBusyRetries; ++retries) {
    std::this_thread::sleep_for(kRetryPause);
    rc = f();
  }
  return rc;
}

// Runs `sql` (statements returning no rows we need) on `db`, retrying while busy.
int exec(sqlite3* db, const char* sql) {
  return with_retries([&] { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); });
}

// The rows of a one-column query, as text, retrying while busy. `*rc` is SQLITE_OK or the error.
std::vector<std::string> query(sqlite3* db, const char* sql, int* rc) {
  std::vector<std::string> rows;
  *rc = with_retries([&] {
    rows.clear();
    sqlite3_stmt* stmt = nullptr;
    int r = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    while (r == SQLITE_OK && (r = sqlite3_step(stmt)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      rows.emplace_back(text ? text : "");
      r = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return r == SQLITE_DONE ? SQLITE_OK : r;
  });
  return rows;
}

// Removes the temporary copy and anything SQLite may have left next to it, unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (armed_) remove_all();
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  void remove_all() const {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  void release() { armed_ = false; }

 private:
  std::string path_;
  bool armed_ = true;
};

// fsyncs `path` (a file or a directory).
Status sync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return io_error("cannot open", path, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync", path, err);
  return Status();
}

// Moves `from` to `to`: replacing `to` when `replace`, else failing if `to` exists (checked
// atomically with the move, so a file created while we copied is never clobbered).
Status publish(const std::string& from, const std::string& to, bool replace) {
  if (replace) {
    if (::rename(from.c_str(), to.c_str()) != 0) return io_error("cannot rename the copy to", to, errno);
    return Status();
  }
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return Status();
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    // The filesystem has no RENAME_NOREPLACE; link() fails the same way on an existing name.
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());
      return Status();
    }
    err = errno;
  }
  if (err == EEXIST) {
    return make_error(ErrorCode::kInvalidRequest,
                      to + " appeared while copying; not replaced (use --force to replace it)");
  }
  return io_error("cannot rename the copy to", to, err);
}

// Refusals that need no copying: see backup.hpp.
Status check_paths(const BackupOptions& o, mode_t* source_mode) {
  std::error_code ec;
  if (o.source.empty()) return make_error(ErrorCode::kInvalidRequest, "no source database given");
  if (o.destination.empty()) return make_error(ErrorCode::kInvalidRequest, "no destination given");
  const auto source_status = fs::status(o.source, ec);
  if (!fs::exists(source_status)) {
    return make_error(ErrorCode::kNotFound, "no database at " + o.source);
  }
  if (!fs::is_regular_file(source_status)) {
    return make_error(ErrorCode::kInvalidRequest, o.source + " is not a database file");
  }
  *source_mode = static_cast<mode_t>(source_status.permissions() & fs::perms::mask);

  fs::path dir = fs::path(o.destination).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kInvalidRequest, "directory " + dir.string() + " does not exist");
  }
  const auto destination_status = fs::status(o.destination, ec);
  if (fs::exists(destination_status)) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      if (fs::equivalent(o.source + suffix, o.destination, ec)) {
        return make_error(ErrorCode::kInvalidRequest,
                          o.destination + " is the source database's own file");
      }
    }
    if (!fs::is_regular_file(destination_status)) {
      return make_error(ErrorCode::kInvalidRequest, o.destination + " exists and is not a file");
    }
    if (!o.force) {
      return make_error(ErrorCode::kInvalidRequest,
                        o.destination + " already exists (use --force to replace it)");
    }
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(o.destination + suffix, ec)) {
      return make_error(ErrorCode::kInvalidRequest,
                        o.destination + suffix + " exists (is " + o.destination +
                            " open in a server, or was it not closed cleanly?); SQLite would "
                            "apply it to the copy, so not writing there");
    }
  }
  return Status();
}

// Creates the empty temporary file with the source's permissions (the copy holds the same
// data, so it gets the same protection), and fails if it somehow exists.
Status create_temp(const TempFile& temp, mode_t mode) {
  int fd = ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) {
    // Left by an earlier backup that died with our pid: nobody else names files this way.
    temp.remove_all();
    fd = ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  }
  if (fd < 0) return io_error("cannot create", temp.path(), errno);
  ::fchmod(fd, mode);  // open() applied the umask; the source's mode is what we want
  ::close(fd);
  return Status();
}

// Copies `source` (already in a read transaction) into the database at `destination` with
// the backup API. Returns the number of pages copied.
Result<std::int64_t> copy_pages(sqlite3* source, sqlite3* destination, const std::string& path) {
  sqlite3_backup* backup = sqlite3_backup_init(destination, "main", source, "main");
  if (backup == nullptr) return db_error(destination, "cannot start copying into", path);
  int rc = SQLITE_OK;
  int busy = 0;
  for (;;) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc == SQLITE_OK) {
      busy = 0;
      continue;
    }
    if (retryable(rc) && ++busy <= kMaxBusyRetries) {
      std::this_thread::sleep_for(kRetryPause);
      continue;
    }
    break;
  }
  const std::int64_t pages = sqlite3_backup_pagecount(backup);
  const int finish = sqlite3_backup_finish(backup);  // sets the destination's error message
  if (rc != SQLITE_DONE || finish != SQLITE_OK) {
    return make_error(ErrorCode::kInternal, "copy into " + path + " failed: " +
                                                (finish != SQLITE_OK ? sqlite3_errmsg(destination)
                                                                     : sqlite3_errstr(rc)));
  }
  return pages;
}

}  // namespace

Result<BackupReport> backup_database(const BackupOptions& o) {
  const auto started = SteadyClock::now();
  BackupReport report;
  mode_t source_mode = 0600;
  SYNCLOG_RETURN_IF_ERROR(check_paths(o, &source_mode));

  // The source: read-only (never created, never written, no checkpoint on close).
  Handle source;
  if (sqlite3_open_v2(o.source.c_str(), source.out(), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return db_error(source.get(), "cannot open", o.source);
  }
  sqlite3_busy_timeout(source.get(), kBusyTimeoutMs);
  // BEGIN takes no lock by itself; the first read starts the read transaction and fixes the
  // snapshot that the whole copy is taken from.
  if (exec(source.get(), "BEGIN") != SQLITE_OK) return db_error(source.get(), "cannot read", o.source);
  int rc = SQLITE_OK;
  query(source.get(), "SELECT count(*) FROM sqlite_schema", &rc);
  if (rc != SQLITE_OK) return db_error(source.get(), "cannot read", o.source);
  const auto version = query(source.get(), "PRAGMA user_version", &rc);
  if (rc != SQLITE_OK || version.size() != 1) return db_error(source.get(), "cannot read", o.source);
  report.schema_version = std::atoi(version[0].c_str());
  if (report.schema_version == 0) {
    return make_error(ErrorCode::kInvalidRequest,
                      o.source + " is not a synclog database (its schema version is 0)");
  }

  TempFile temp(o.destination + ".tmp-" + std::to_string(::getpid()));
  SYNCLOG_RETURN_IF_ERROR(create_temp(temp, source_mode));
  Handle copy;
  if (sqlite3_open_v2(temp.path().c_str(), copy.out(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return db_error(copy.get(), "cannot open", temp.path());
  }
  sqlite3_busy_timeout(copy.get(), kBusyTimeoutMs);
  SYNCLOG_ASSIGN_OR_RETURN(report.pages, copy_pages(source.get(), copy.get(), temp.path()));
  // Done with the snapshot: let the server's checkpoints catch up.
  sqlite3_exec(source.get(), "COMMIT", nullptr, nullptr, nullptr);
  source.close();

  // The copy must be a sound database of the same schema before it replaces anything.
  const auto check = query(copy.get(), "PRAGMA quick_check", &rc);
  if (rc != SQLITE_OK) return db_error(copy.get(), "cannot check", temp.path());
  if (check != std::vector<std::string>{"ok"}) {
    std::string problems;
    for (std::size_t i = 0; i < check.size() && i < 5; ++i) problems += (i ? "; " : "") + check[i];
    return make_error(ErrorCode::kInternal, "the copy fails PRAGMA quick_check: " + problems);
  }
  const auto copy_version = query(copy.get(), "PRAGMA user_version", &rc);
  if (rc != SQLITE_OK || copy_version != version) {
    return make_error(ErrorCode::kInternal, "the copy's schema version differs from the source's");
  }
  const auto page_size = query(copy.get(), "PRAGMA page_size", &rc);
  if (rc != SQLITE_OK || page_size.size() != 1) return db_error(copy.get(), "cannot read", temp.path());
  report.page_size = std::atoll(page_size[0].c_str());
  if (copy.close() != SQLITE_OK) {
    return make_error(ErrorCode::kInternal, "cannot close " + temp.path() + " cleanly");
  }
  // Closing the last connection removes a -wal/-shm it made; the data is all in the file.
  for (const char* suffix : {"-journal", "-wal", "-shm"}) ::unlink((temp.path() + suffix).c_str());

  SYNCLOG_RETURN_IF_ERROR(sync_path(temp.path(), /*directory=*/false));
  std::error_code ec;
  report.bytes = static_cast<std::int64_t>(fs::file_size(temp.path(), ec));
  if (ec) return io_error("cannot stat", temp.path(), ec.value());
  SYNCLOG_RETURN_IF_ERROR(publish(temp.path(), o.destination, o.force));
  temp.release();
  fs::path dir = fs::path(o.destination).parent_path();
  if (dir.empty()) dir = ".";
  if (Status s = sync_path(dir.string(), /*directory=*/true); !s.ok()) {
    return make_error(ErrorCode::kInternal, "the copy is complete at " + o.destination +
                                                " but its directory could not be synced: " +
                                                s.message());
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  return report;
}

}  // namespace synclog::storage::sqlite
