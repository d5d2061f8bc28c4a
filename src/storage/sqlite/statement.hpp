// RAII wrappers over sqlite3 connections and prepared statements, returning Status instead of
// result codes. Not thread-safe: a Connection belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <span>
#include <string_view>

#include "common/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace synclog::storage::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind by 1-based index. Text is copied (SQLITE_TRANSIENT), so arguments may be temporaries.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);
  // Binds `text`, or NULL when it is empty.
  Statement& bind_or_null(int index, std::string_view text);

  // true: a row is ready; false: done.
  Result<bool> step();
  // For statements that return no rows.
  Status run();

  std::int64_t int_at(int column) const;
  std::string_view text_at(int column) const;  // valid until the next step/reset
  bool is_null(int column) const;

  // Resets and clears bindings; called automatically by Connection::prepare.
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// Resets a cached statement when the operation using it ends, so no statement keeps its read
// position (and its snapshot) past the operation.
struct ResetOnExit {
  Statement* s;
  ~ResetOnExit() { s->reset(); }
};

class Connection {
 public:
  // Opens (creating if `create`) the database at `path` with synclog's pragmas applied.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status exec(std::string_view sql);
  // Runs one statement with no parameters and no rows (BEGIN, SAVEPOINT, COMMIT...) from the
  // statement cache: the writer runs several per group commit, and parsing them each time was
  // a measurable share of it. `sql` must be a string literal, as for prepare().
  Status exec_cached(const char* sql);
  // A cached prepared statement for `sql`, reset and ready to bind. `sql` must be a string
  // literal (the cache is keyed by its address).
  Result<Statement*> prepare(const char* sql);
  sqlite3* handle() { return db_; }
  std::string last_error() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<const char*, std::unique_ptr<Statement>> cache_;
};

// The database's schema version (PRAGMA user_version; 0 for a new database).
Result<int> schema_version(Connection& c);

// Brings the database on `c` from its PRAGMA user_version up to steps.size(), running
// steps[v] to go from version v to v + 1, each in its own transaction with the version bump.
// A database newer than that is refused (kInternal, naming `what`).
Status run_migrations(Connection& c, std::span<const char* const> steps, std::string_view what);

}  // namespace synclog::storage::sqlite
