// sqlite3 wrappers. The pragmas here are what make every acknowledged write durable: WAL with
// synchronous=FULL fsyncs the log on each commit.
#include "storage/sqlite/statement.hpp"

#include <sqlite3.h>

namespace synclog::storage::sqlite {
namespace {

// A full disk is the one storage failure a client is told apart (507): it is not a bug, and a
// retry succeeds once space returns.
ErrorCode code_of(int rc) {
  return (rc & 0xff) == SQLITE_FULL ? ErrorCode::kInsufficientStorage : ErrorCode::kInternal;
}

Error sqlite_error(sqlite3* db, std::string_view what) {
  return make_error(code_of(sqlite3_extended_errcode(db)),
                    "sqlite: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, "step");
}

Status Statement::run() {
  auto r = step();
  if (!r.ok()) return r.error();
  return Status();
}

std::int64_t Statement::int_at(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::text_at(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!p) return {};
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error(ErrorCode::kInternal, "sqlite: cannot open " + path + ": " + msg);
  }
  std::unique_ptr<Connection> c(new Connection(db));
  // busy_timeout: the backup command and external readers may hold locks briefly.
  SYNCLOG_RETURN_IF_ERROR(c->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;"
      "PRAGMA journal_size_limit=16777216;"
      "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"));
  return c;
}

Connection::~Connection() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

Status Connection::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return make_error(code_of(rc), "sqlite: " + msg);
  }
  return Status();
}

Status Connection::exec_cached(const char* sql) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, prepare(sql));
  const Status st = s->run();
  s->reset();
  return st;
}

Result<Statement*> Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return sqlite_error(db_, std::string("prepare ") + sql);
  }
  auto [pos, _] = cache_.emplace(sql, std::make_unique<Statement>(db_, stmt));
  return pos->second.get();
}

std::string Connection::last_error() const { return sqlite3_errmsg(db_); }

Result<int> schema_version(Connection& c) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c.prepare("PRAGMA user_version"));
  ResetOnExit guard{s};
  SYNCLOG_ASSIGN_OR_RETURN(const bool row, s->step());
  return row ? static_cast<int>(s->int_at(0)) : 0;
}

Status run_migrations(Connection& c, std::span<const char* const> steps, std::string_view what) {
  const int latest = static_cast<int>(steps.size());
  SYNCLOG_ASSIGN_OR_RETURN(const int current, schema_version(c));
  if (current > latest) {
    return make_error(ErrorCode::kInternal, std::string(what) + " schema version " + std::to_string(current) +
                                                " is newer than this synclog (" + std::to_string(latest) + ")");
  }
  for (int v = current; v < latest; ++v) {
    SYNCLOG_RETURN_IF_ERROR(c.exec("BEGIN IMMEDIATE"));
    Status s = c.exec(steps[static_cast<std::size_t>(v)]);
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
