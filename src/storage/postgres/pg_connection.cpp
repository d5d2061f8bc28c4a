// libpq calls behind PgConnection. Pipeline mode is entered when the first statement is
// deferred and left at the next sync, so statements that read run in ordinary mode unless
// writes are waiting to go with them.
#include "storage/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace synclog::storage::postgres {
namespace {

// A connection with no connect_timeout of its own waits at most this long (libpq's default is
// forever, the operating system's TCP timeout).
constexpr const char* kConnectTimeoutSeconds = "10";
// TCP settings a conninfo may override: a peer that vanished (a half-open link after a
// failover or a network cut) is given up after about 30 s idle plus 3 unanswered probes 10 s
// apart, or 30 s of unacknowledged data; the system defaults take hours. Unix sockets ignore
// them.
constexpr const char* kKeepalivesIdleSeconds = "30";
constexpr const char* kKeepalivesIntervalSeconds = "10";
constexpr const char* kKeepalivesCount = "3";
constexpr const char* kTcpUserTimeoutMs = "30000";

// Keywords before dbname are defaults: the URL's own settings, expanded from dbname, win.
struct ConnectParams {
  ConnectParams(const std::string& conninfo, const char* application_name)
      : values{kConnectTimeoutSeconds, "1", kKeepalivesIdleSeconds, kKeepalivesIntervalSeconds, kKeepalivesCount,
               kTcpUserTimeoutMs, application_name, conninfo.c_str(), nullptr} {}
  const char* keys[9] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                         "keepalives_count", "tcp_user_timeout", "application_name", "dbname", nullptr};
  const char* values[9];
};

// Server notices (e.g. "relation already exists, skipping" from CREATE ... IF NOT EXISTS) are
// not errors, and libpq would print them on stderr; errors come back as results.
void ignore_notice(void*, const char*) {}

bool connection_lost_state(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  const std::string_view s(sqlstate);
  // 08: connection exception; 57P01..57P03: the server is shutting down or starting.
  return s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03";
}

}  // namespace

PgParams& PgParams::add(std::int64_t value) {
  values_.push_back(std::to_string(value));
  null_.push_back(false);
  return *this;
}

PgParams& PgParams::add(std::string_view text) {
  if (first_nul_ == 0 && text.find('\0') != std::string_view::npos) first_nul_ = size() + 1;
  values_.emplace_back(text);
  null_.push_back(false);
  return *this;
}

PgParams& PgParams::add_or_null(std::string_view text) {
  add(text);
  null_.back() = text.empty();
  return *this;
}

Status PgParams::check() const {
  if (first_nul_ == 0) return Status();
  return make_error(ErrorCode::kInvalidRequest,
                    "Text value " + std::to_string(first_nul_) + " contains a NUL byte, which the database cannot store");
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) out.push_back(null_[i] ? nullptr : values_[i].c_str());
  return out;
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (r_ != nullptr) PQclear(r_);
    r_ = other.r_;
    other.r_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (r_ != nullptr) PQclear(r_);
}

int PgResult::rows() const { return r_ == nullptr ? 0 : PQntuples(r_); }

bool PgResult::is_null(int row, int column) const { return PQgetisnull(r_, row, column) != 0; }

std::string_view PgResult::text_at(int row, int column) const {
  return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}

std::int64_t PgResult::int_at(int row, int column) const {
  const std::string_view t = text_at(row, column);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::string_view PgResult::command_tag() const { return r_ == nullptr ? "" : PQcmdStatus(r_); }

std::int64_t PgResult::affected() const {
  const char* n = r_ == nullptr ? "" : PQcmdTuples(r_);
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

namespace {

bool secret_keyword(std::string_view key) { return key == "password" || key == "sslpassword"; }

// postgres://user:password@host/db?password=...&sslpassword=...
std::string redact_url(std::string out, std::size_t scheme_end) {
  // The authority's user:password@: hide what lies between the user's ':' and the '@'.
  const auto query = out.find('?', scheme_end);
  const auto at = out.find('@', scheme_end);
  const auto colon = out.find(':', scheme_end);
  if (at != std::string::npos && at < query && colon != std::string::npos && colon < at) {
    out.replace(colon + 1, at - colon - 1, "***");
  }
  // Query parameters, name=value separated by '&'.
  for (auto pos = out.find('?', scheme_end); pos != std::string::npos && pos < out.size();) {
    ++pos;
    auto end = out.find('&', pos);
    if (end == std::string::npos) end = out.size();
    const auto eq = out.find('=', pos);
    if (eq != std::string::npos && eq < end && secret_keyword(std::string_view(out).substr(pos, eq - pos))) {
      out.replace(eq + 1, end - eq - 1, "***");
      end = eq + 4;
    }
    pos = end < out.size() ? end : std::string::npos;
  }
  return out;
}

// keyword = value pairs separated by spaces; a value may be single-quoted, with \' and \\.
std::string redact_pairs(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  const auto space = [&](std::size_t k) { return k < in.size() && std::isspace(static_cast<unsigned char>(in[k])); };
  while (i < in.size()) {
    const std::size_t start = i;
    while (space(i)) ++i;
    const std::size_t key_begin = i;
    while (i < in.size() && in[i] != '=' && !space(i)) ++i;
    const std::string_view key = std::string_view(in).substr(key_begin, i - key_begin);
    while (space(i)) ++i;
    if (i >= in.size() || in[i] != '=') {  // not a pair: keep the rest as it is
      out.append(in, start, std::string::npos);
      break;
    }
    ++i;
    while (space(i)) ++i;
    out.append(in, start, i - start);
    const std::size_t value_begin = i;
    if (i < in.size() && in[i] == '\'') {
      for (++i; i < in.size() && in[i] != '\''; ++i) {
        if (in[i] == '\\') ++i;
      }
      if (i < in.size()) ++i;  // the closing quote
    } else {
      for (; i < in.size() && !space(i); ++i) {
        if (in[i] == '\\') ++i;
      }
    }
    i = std::min(i, in.size());
    if (secret_keyword(key)) {
      out += "***";
    } else {
      out.append(in, value_begin, i - value_begin);
    }
  }
  return out;
}

}  // namespace

std::string redact_conninfo(const std::string& conninfo) {
  const auto scheme = conninfo.find("://");
  if (scheme != std::string::npos) return redact_url(conninfo, scheme + 3);
  return redact_pairs(conninfo);
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo, bool pipeline,
                                                            std::atomic<std::int64_t>* round_trips,
                                                            const char* application_name) {
  const ConnectParams params(conninfo, application_name);
  pg_conn* conn = PQconnectdbParams(params.keys, params.values, /*expand_dbname=*/1);
  if (conn == nullptr) return make_error(ErrorCode::kUnavailable, "postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn);
    return make_error(ErrorCode::kUnavailable,
                      "postgres: cannot connect to " + redact_conninfo(conninfo) + ": " + why);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, pipeline, round_trips));
}

std::unique_ptr<PgConnection> PgConnection::start_connect(const std::string& conninfo,
                                                         const char* application_name) {
  const ConnectParams params(conninfo, application_name);
  pg_conn* conn = PQconnectStartParams(params.keys, params.values, /*expand_dbname=*/1);
  if (conn == nullptr) return nullptr;
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn, /*pipeline=*/false, nullptr));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::setting(std::string_view keyword) const {
  std::string out;
  PQconninfoOption* options = PQconninfo(conn_);
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (keyword == o->keyword && o->val != nullptr) out = o->val;
  }
  PQconninfoFree(options);
  return out;
}

bool PgConnection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::in_transaction() const {
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool PgConnection::in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

std::string PgConnection::last_error() const {
  std::string why = PQerrorMessage(conn_);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return why;
}

Status PgConnection::reset() {
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) PQexitPipelineMode(conn_);
  pending_ = 0;
  pending_names_.clear();
  prepared_.clear();
  ++session_;
  PQreset(conn_);
  if (!ok()) return make_error(ErrorCode::kUnavailable, "postgres: cannot reconnect: " + last_error());
  return Status();
}

void PgConnection::count_round_trip() {
  if (round_trips_ != nullptr) round_trips_->fetch_add(1, std::memory_order_relaxed);
}

Error PgConnection::failure(std::string_view what, pg_result* r) const {
  const char* sqlstate = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  std::string why = r != nullptr && *PQresultErrorMessage(r) != '\0' ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  const bool lost = !ok() || connection_lost_state(sqlstate);
  // 53100 disk_full: the one storage failure a client is told apart (507), as with SQLite.
  const bool full = sqlstate != nullptr && std::string_view(sqlstate) == "53100";
  return make_error(lost ? ErrorCode::kUnavailable : full ? ErrorCode::kInsufficientStorage : ErrorCode::kInternal,
                    "postgres: " + std::string(what) + ": " + why);
}

namespace {

bool succeeded(pg_result* r) {
  const auto st = PQresultStatus(r);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

}  // namespace

Status PgConnection::prepare(const PgStatement& st, int n_params) {
  if (st.name == nullptr || prepared_.contains(st.name)) return Status();
  // PQprepare cannot run inside a pipeline: send what waits first.
  SYNCLOG_RETURN_IF_ERROR(sync());
  count_round_trip();
  pg_result* r = PQprepare(conn_, st.name, st.sql, n_params, nullptr);
  if (r == nullptr || !succeeded(r)) {
    Error e = failure(std::string("prepare ") + st.name, r);
    if (r != nullptr) PQclear(r);
    return e;
  }
  PQclear(r);
  prepared_.insert(st.name);
  return Status();
}

Status PgConnection::send(const PgStatement& st, const PgParams& params) {
  SYNCLOG_RETURN_IF_ERROR(params.check());
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_) != 1) {
    return failure("enter pipeline mode", nullptr);
  }
  const auto values = params.pointers();
  const int sent = st.name != nullptr
                       ? PQsendQueryPrepared(conn_, st.name, params.size(), values.data(), nullptr, nullptr, 0)
                       : PQsendQueryParams(conn_, st.sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0);
  if (sent != 1) return failure(std::string("send ") + (st.name != nullptr ? st.name : st.sql), nullptr);
  ++pending_;
  pending_names_.push_back(st.name != nullptr ? st.name : st.sql);
  return Status();
}

Status PgConnection::collect(PgResult* last) {
  count_round_trip();
  if (PQpipelineSync(conn_) != 1) {
    Error e = failure("pipeline sync", nullptr);
    pending_ = 0;
    pending_names_.clear();
    reset().ignore();  // what was sent, and whether it ran, is unknown
    return e;
  }
  std::optional<Error> first;
  bool unknown_state = false;  // results may be left that nobody will read
  const int statements = pending_;
  const std::vector<const char*> names = std::move(pending_names_);
  pending_names_.clear();
  pending_ = 0;
  for (int i = 0; i < statements && !unknown_state; ++i) {
    // Each statement's results end with a null.
    while (pg_result* r = PQgetResult(conn_)) {
      const auto st = PQresultStatus(r);
      if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) {
        // A pipeline cannot carry COPY (libpq would hand this result back for ever).
        if (!first) first = make_error(ErrorCode::kInternal, "postgres: COPY in a pipeline");
        PQclear(r);
        unknown_state = true;
        break;
      }
      if (st == PGRES_PIPELINE_ABORTED) {
        if (!first) first = make_error(ErrorCode::kInternal, "postgres: pipeline aborted");
        PQclear(r);
      } else if (!succeeded(r)) {
        if (!first) first = failure(names[static_cast<std::size_t>(i)], r);
        PQclear(r);
      } else if (last != nullptr && i == statements - 1) {
        *last = PgResult(r);
      } else {
        PQclear(r);
      }
    }
    if (!ok()) {
      if (!first) first = failure("pipeline", nullptr);
      break;
    }
  }
  if (ok() && !unknown_state) {
    pg_result* r = PQgetResult(conn_);
    const bool synced = r != nullptr && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    if (r != nullptr) PQclear(r);
    if (!synced) {
      if (!first) first = make_error(ErrorCode::kInternal, "postgres: pipeline out of step");
      unknown_state = true;
    }
  }
  if (!unknown_state && PQexitPipelineMode(conn_) != 1) {
    if (!first) first = failure("leave pipeline mode", nullptr);
    unknown_state = true;
  }
  // Results nobody read would be taken by later statements for their own: start a new session
  // (a lost link is reset by the store before its next job).
  if (unknown_state && ok()) reset().ignore();
  if (first) return *first;
  return Status();
}

Status PgConnection::sync() {
  if (pending_ == 0) return Status();
  return collect(nullptr);
}

Status PgConnection::exec(std::string_view sql) {
  SYNCLOG_RETURN_IF_ERROR(sync());
  count_round_trip();
  const std::string text(sql);
  pg_result* r = PQexec(conn_, text.c_str());
  // A multi-statement string yields one result per statement; PQexec keeps the last, and a
  // failure stops the string there, so the last one tells.
  if (r == nullptr || !succeeded(r)) {
    Error e = failure(text.size() > 60 ? text.substr(0, 60) + "..." : text, r);
    if (r != nullptr) PQclear(r);
    return e;
  }
  PQclear(r);
  return Status();
}

Result<PgResult> PgConnection::query(const PgStatement& st, const PgParams& params) {
  SYNCLOG_RETURN_IF_ERROR(params.check());
  SYNCLOG_RETURN_IF_ERROR(prepare(st, params.size()));
  if (pending_ > 0) {
    SYNCLOG_RETURN_IF_ERROR(send(st, params));
    PgResult out;
    SYNCLOG_RETURN_IF_ERROR(collect(&out));
    return out;
  }
  count_round_trip();
  const auto values = params.pointers();
  pg_result* r = st.name != nullptr
                     ? PQexecPrepared(conn_, st.name, params.size(), values.data(), nullptr, nullptr, 0)
                     : PQexecParams(conn_, st.sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0);
  if (r == nullptr || !succeeded(r)) {
    Error e = failure(st.name != nullptr ? st.name : st.sql, r);
    if (r != nullptr) PQclear(r);
    return e;
  }
  return PgResult(r);
}

Status PgConnection::defer(const PgStatement& st, const PgParams& params) {
  if (!pipeline_) return query(st, params).status();
  SYNCLOG_RETURN_IF_ERROR(prepare(st, params.size()));
  return send(st, params);
}

}  // namespace synclog::storage::postgres
