// One libpq connection (RAII), its prepared statements, parameterised queries and their
// results, and pipeline mode: statements whose results nobody reads are queued (`defer`) and
// sent together with the next statement that is waited for, so a transaction's writes cost no
// round trip of their own. Only the PostgreSQL backend includes this header; libpq stays out of
// every other one. Not thread-safe: a connection belongs to one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.hpp"

struct pg_conn;
struct pg_result;

namespace synclog::storage::postgres {

// A statement. With a name, it is prepared (PQprepare) the first time a connection runs it and
// executed by name afterwards; without one (BEGIN, COMMIT), it is sent as is each time.
struct PgStatement {
  const char* name;
  const char* sql;
};

// Parameters in text form, bound as $1, $2, ... in the order added. They own their text.
class PgParams {
 public:
  PgParams& add(std::int64_t value);
  PgParams& add(std::string_view text);
  // Binds `text`, or NULL when it is empty.
  PgParams& add_or_null(std::string_view text);

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid while it lives unchanged.
  std::vector<const char*> pointers() const;
  // OK, or kInvalidRequest when a text parameter holds a NUL byte: PostgreSQL text cannot, and
  // libpq would silently cut the value there (a subject "alice\0x" would become "alice").
  // PgConnection refuses to send such parameters.
  Status check() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  int first_nul_ = 0;  // 1-based position of the first parameter holding a NUL, 0 if none
};

// A query's rows (text format), moved, never copied.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r) : r_(r) {}
  PgResult(PgResult&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const;
  bool is_null(int row, int column) const;
  std::string_view text_at(int row, int column) const;  // valid while this result lives
  std::int64_t int_at(int row, int column) const;       // 0 for NULL
  std::int64_t affected() const;                        // rows a DML statement touched
  std::string_view command_tag() const;                 // "COMMIT", "INSERT 0 1", ...

 private:
  pg_result* r_ = nullptr;
};

class PgConnection {
 public:
  // Connects to `conninfo` (a postgres:// URL or key=value pairs). Fails with kUnavailable and
  // libpq's reason when the database cannot be reached. `round_trips`, if given, counts every
  // wait for the server (statements prepared, executed, pipelines synced). Unless `conninfo`
  // sets them, the connection gets a connect timeout, TCP keepalives and a TCP user timeout (a
  // dead peer is noticed in about half a minute, not the system's many minutes), and
  // `application_name` (shown in pg_stat_activity).
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& conninfo, bool pipeline,
                                                      std::atomic<std::int64_t>* round_trips = nullptr,
                                                      const char* application_name = "synclog");
  // Starts connecting as connect() would, without waiting: the caller drives the handshake with
  // PQconnectPoll on handle() (and must not use the connection before it reports success).
  // Null when out of memory.
  static std::unique_ptr<PgConnection> start_connect(const std::string& conninfo, const char* application_name);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, no parameters) after sending what was deferred.
  Status exec(std::string_view sql);
  // Runs `st` and returns its rows; what was deferred goes in the same round trip, and its
  // first failure is this call's failure.
  Result<PgResult> query(const PgStatement& st, const PgParams& params = {});
  // Queues `st` (in pipeline mode) or runs it now. A queued statement's failure is reported by
  // the next query/sync/exec, and nothing after it in the queue runs.
  Status defer(const PgStatement& st, const PgParams& params = {});
  // Sends what was deferred and waits for it: its first failure, or OK.
  Status sync();

  // Statements deferred and not yet sent to the server with a sync.
  int pending() const { return pending_; }
  // Whether the link to the server is up (false after the server went away).
  bool ok() const;
  // Re-establishes a broken link (prepared statements are prepared again when next used). Also
  // done by the connection itself when a pipeline ends in a state it cannot account for
  // (results out of step with the statements sent): the session, and any transaction open on
  // it, is gone.
  Status reset();
  // Counts the sessions this connection has had: a transaction begun in one must not go on in
  // the next (its statements would run outside any transaction).
  std::uint64_t session() const { return session_; }
  // True when the connection is inside a transaction block (or a failed one).
  bool in_transaction() const;
  // True when the connection is inside a transaction block that a statement's error aborted
  // (as the server last reported it; deferred statements not yet synced are not counted).
  bool in_failed_transaction() const;
  pg_conn* handle() { return conn_; }
  // The value of a libpq connection option in effect (e.g. "keepalives"), empty when unset.
  std::string setting(std::string_view keyword) const;
  std::string last_error() const;

 private:
  PgConnection(pg_conn* conn, bool pipeline, std::atomic<std::int64_t>* round_trips)
      : conn_(conn), pipeline_(pipeline), round_trips_(round_trips) {}
  Status prepare(const PgStatement& st, int n_params);
  Status send(const PgStatement& st, const PgParams& params);
  // Collects the results of `pending_` statements and the sync that follows them; the last
  // statement's rows go to `last` when it is given.
  Status collect(PgResult* last);
  Error failure(std::string_view what, pg_result* r) const;
  void count_round_trip();

  pg_conn* conn_;
  bool pipeline_;
  std::atomic<std::int64_t>* round_trips_;
  std::uint64_t session_ = 0;
  int pending_ = 0;  // statements sent in pipeline mode, not yet collected
  std::vector<const char*> pending_names_;  // theirs, for messages
  std::unordered_set<std::string> prepared_;
};

// Every error a PgConnection makes from the server's answer starts with this; its text is the
// server's (statements, constraint names, connection details): for the operator, not clients.
inline constexpr std::string_view kPgErrorPrefix = "postgres: ";

// `conninfo` fit for messages and logs: every password (a URL's user:password@, its password=
// and sslpassword= parameters, or those keywords' values in key=value form) becomes "***".
std::string redact_conninfo(const std::string& conninfo);

}  // namespace synclog::storage::postgres
