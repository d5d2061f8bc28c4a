// The statements behind each transaction operation (the SQLite backend's, in PostgreSQL's
// dialect).
#include "storage/postgres/pg_txn.hpp"

#include <string>

namespace synclog::storage::postgres {
namespace {

constexpr PgStatement kBeginWrite{nullptr, "BEGIN ISOLATION LEVEL READ COMMITTED"};
constexpr PgStatement kBeginRead{nullptr, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"};
constexpr PgStatement kCommit{nullptr, "COMMIT"};
constexpr PgStatement kLockUser{
    "txn_lock_user", "SELECT head, baseline, horizon, compactions FROM users WHERE uid=$1 FOR UPDATE"};
constexpr PgStatement kReadUser{"txn_read_user",
                                "SELECT head, baseline, horizon, compactions FROM users WHERE uid=$1"};
constexpr PgStatement kGet{"txn_get",
                           "SELECT id, version, created_ts, k1, k2, data FROM records "
                           "WHERE uid=$1 AND kind=$2 AND id=$3"};
constexpr PgStatement kByK1{"txn_by_k1",
                            "SELECT id, version, created_ts, k1, k2, data FROM records "
                            "WHERE uid=$1 AND kind=$2 AND k1=$3 ORDER BY id"};
constexpr PgStatement kByK2{"txn_by_k2",
                            "SELECT id, version, created_ts, k1, k2, data FROM records "
                            "WHERE uid=$1 AND kind=$2 AND k2=$3 ORDER BY id"};
constexpr PgStatement kList{"txn_list",
                            "SELECT id, version, created_ts, k1, k2, data FROM records "
                            "WHERE uid=$1 AND kind=$2 ORDER BY id"};
constexpr PgStatement kLatest{"txn_latest",
                              "SELECT ts, op FROM entries WHERE uid=$1 AND kind=$2 AND id=$3 AND superseded_at=0"};
// Kinds past 31 are never in a mask (it has 32 bits), as in SQLite.
constexpr PgStatement kCount{"txn_count",
                             "SELECT count(*) FROM entries WHERE uid=$1 AND ts>$2 AND kind < 32 "
                             "AND ((1::bigint << kind) & $3::bigint) <> 0 AND (superseded_at=0 OR $4::int <> 0)"};
constexpr PgStatement kScan{"txn_scan",
                            "SELECT ts, kind, id, op, created_ts, data FROM entries "
                            "WHERE uid=$1 AND ts>$2 AND kind < 32 AND ((1::bigint << kind) & $3::bigint) <> 0 "
                            "AND (superseded_at=0 OR $4::int <> 0) ORDER BY ts LIMIT $5 OFFSET $6"};
constexpr PgStatement kSetHead{"txn_set_head",
                               "UPDATE users SET head=$2::bigint WHERE uid=$1::bigint "
                               "RETURNING pg_notify('synclog_heads', $1::bigint::text || ' ' || $2::bigint::text)"};
constexpr PgStatement kPut{"txn_put",
                           "INSERT INTO records(uid, kind, id, version, created_ts, k1, k2, data) "
                           "VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT(uid, kind, id) DO UPDATE SET "
                           "version=excluded.version, created_ts=excluded.created_ts, k1=excluded.k1, "
                           "k2=excluded.k2, data=excluded.data"};
constexpr PgStatement kErase{"txn_erase", "DELETE FROM records WHERE uid=$1 AND kind=$2 AND id=$3"};
constexpr PgStatement kSupersede{"txn_supersede",
                                 "UPDATE entries SET superseded_at=$1 "
                                 "WHERE uid=$2 AND kind=$3 AND id=$4 AND superseded_at=0"};
constexpr PgStatement kAppend{"txn_append",
                              "INSERT INTO entries(uid, ts, kind, id, op, created_ts, data) "
                              "VALUES($1,$2,$3,$4,$5,$6,$7)"};
constexpr PgStatement kFindResponse{"txn_find_response",
                                    "SELECT fingerprint, created_ms, status, headers, body FROM idempotency "
                                    "WHERE uid=$1 AND key=$2"};
constexpr PgStatement kPutResponse{"txn_put_response",
                                   "INSERT INTO idempotency(uid, key, fingerprint, created_ms, status, headers, body) "
                                   "VALUES($1,$2,$3,$4,$5,$6,$7)"};

Record record_from_row(const PgResult& r, int row, std::uint8_t kind) {
  Record out;
  out.kind = kind;
  out.id = r.text_at(row, 0);
  out.version = r.int_at(row, 1);
  out.created_ts = r.int_at(row, 2);
  out.k1 = r.text_at(row, 3);  // NULL reads as empty
  out.k2 = r.text_at(row, 4);
  out.data = r.text_at(row, 5);
  return out;
}

}  // namespace

Status PgTxn::load_user(const PgStatement& st) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c_.query(st, PgParams().add(user_)));
  found_ = r.rows() == 1;
  if (found_) {
    head_ = UserHead{r.int_at(0, 0), r.int_at(0, 1), r.int_at(0, 2)};
    compactions_ = r.int_at(0, 3);
  }
  return Status();
}

Status PgTxn::same_session() const {
  if (c_.session() == session_) return Status();
  return make_error(ErrorCode::kUnavailable, "postgres: the connection was reset; its transaction is lost");
}

Status PgTxn::begin_write() {
  SYNCLOG_RETURN_IF_ERROR(c_.defer(kBeginWrite));
  return load_user(kLockUser);
}

Result<WriteTxn*> PgTxn::also(UserKey other) {
  if (other == user_) return static_cast<WriteTxn*>(this);
  for (auto& t : others_) {
    if (t->user() == other) return static_cast<WriteTxn*>(t.get());
  }
  SYNCLOG_RETURN_IF_ERROR(same_session());
  auto t = std::make_unique<PgTxn>(c_, other);
  SYNCLOG_RETURN_IF_ERROR(t->load_user(kLockUser));
  if (!t->found_) return make_error(ErrorCode::kInternal, "postgres: no user " + std::to_string(other));
  others_.push_back(std::move(t));
  return static_cast<WriteTxn*>(others_.back().get());
}

Status PgTxn::begin_read() {
  // The snapshot is taken by the first statement after BEGIN: the user's row.
  SYNCLOG_RETURN_IF_ERROR(c_.defer(kBeginRead));
  return load_user(kReadUser);
}

Status PgTxn::commit() {
  // PostgreSQL answers COMMIT in a failed transaction with "ROLLBACK" and no error: a statement
  // whose error the caller ignored (a deferred write reported by a later read) must not let the
  // transaction pass for committed.
  const Error aborted = make_error(ErrorCode::kInternal,
                                   "postgres: commit: a statement of the transaction failed; rolled back");
  Status s = same_session();
  if (s.ok() && c_.pending() == 0 && c_.in_failed_transaction()) s = aborted;
  if (s.ok()) {
    auto r = c_.query(kCommit);
    if (!r.ok()) {
      s = r.status();
    } else if (r->command_tag() != "COMMIT") {
      s = aborted;
    }
  }
  if (!s.ok()) rollback();
  return s;
}

void PgTxn::rollback() {
  c_.sync().ignore();
  if (c_.ok() && c_.in_transaction()) c_.exec("ROLLBACK").ignore();
}

Result<UserHead> PgTxn::head() {
  if (!found_) return make_error(ErrorCode::kInternal, "postgres: no user " + std::to_string(user_));
  return head_;
}

Result<std::optional<Record>> PgTxn::get(std::uint8_t kind, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c_.query(kGet, PgParams().add(user_).add(std::int64_t{kind}).add(id)));
  if (r.rows() == 0) return std::optional<Record>();
  return std::optional<Record>(record_from_row(r, 0, kind));
}

Result<std::vector<Record>> PgTxn::records(const PgStatement& st, std::uint8_t kind, std::string_view key) {
  PgParams p;
  p.add(user_).add(std::int64_t{kind});
  if (st.name != kList.name) p.add(key);
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c_.query(st, p));
  std::vector<Record> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(record_from_row(r, i, kind));
  return out;
}

Result<std::vector<Record>> PgTxn::find_by_k1(std::uint8_t kind, std::string_view k1) {
  if (k1.empty()) return std::vector<Record>();
  return records(kByK1, kind, k1);
}

Result<std::vector<Record>> PgTxn::find_by_k2(std::uint8_t kind, std::string_view k2) {
  if (k2.empty()) return std::vector<Record>();
  return records(kByK2, kind, k2);
}

Result<std::vector<Record>> PgTxn::list(std::uint8_t kind) { return records(kList, kind, {}); }

Result<std::optional<EntryHead>> PgTxn::latest_entry(std::uint8_t kind, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c_.query(kLatest, PgParams().add(user_).add(std::int64_t{kind}).add(id)));
  if (r.rows() == 0) return std::optional<EntryHead>();
  return std::optional<EntryHead>(EntryHead{r.int_at(0, 0), static_cast<std::uint8_t>(r.int_at(0, 1))});
}

Result<std::int64_t> PgTxn::count_entries(const EntryQuery& q) {
  SYNCLOG_ASSIGN_OR_RETURN(
      PgResult r, c_.query(kCount, PgParams().add(user_).add(q.after_ts).add(std::int64_t{q.kind_mask})
                                       .add(std::int64_t{q.include_superseded ? 1 : 0})));
  return r.rows() == 1 ? r.int_at(0, 0) : 0;
}

Status PgTxn::scan_entries(const EntryQuery& q, std::int64_t offset, std::int64_t limit,
                           const std::function<bool(const Entry&)>& visit) {
  SYNCLOG_ASSIGN_OR_RETURN(
      PgResult r, c_.query(kScan, PgParams().add(user_).add(q.after_ts).add(std::int64_t{q.kind_mask})
                                      .add(std::int64_t{q.include_superseded ? 1 : 0}).add(limit).add(offset)));
  Entry e;
  for (int i = 0; i < r.rows(); ++i) {
    e.ts = r.int_at(i, 0);
    e.kind = static_cast<std::uint8_t>(r.int_at(i, 1));
    e.id = r.text_at(i, 2);
    e.op = static_cast<std::uint8_t>(r.int_at(i, 3));
    e.created_ts = r.int_at(i, 4);
    e.data = r.text_at(i, 5);
    if (!visit(e)) break;
  }
  return Status();
}

Status PgTxn::set_head(std::int64_t head) {
  SYNCLOG_RETURN_IF_ERROR(same_session());
  SYNCLOG_RETURN_IF_ERROR(c_.defer(kSetHead, PgParams().add(user_).add(head)));
  head_.head = head;
  return Status();
}

Status PgTxn::put(const Record& r) {
  SYNCLOG_RETURN_IF_ERROR(same_session());
  return c_.defer(kPut, PgParams().add(user_).add(std::int64_t{r.kind}).add(r.id).add(r.version)
                            .add(r.created_ts).add_or_null(r.k1).add_or_null(r.k2).add(r.data));
}

Status PgTxn::erase(std::uint8_t kind, std::string_view id) {
  SYNCLOG_RETURN_IF_ERROR(same_session());
  return c_.defer(kErase, PgParams().add(user_).add(std::int64_t{kind}).add(id));
}

Status PgTxn::append(const Entry& e) {
  SYNCLOG_RETURN_IF_ERROR(same_session());
  SYNCLOG_RETURN_IF_ERROR(
      c_.defer(kSupersede, PgParams().add(e.ts).add(user_).add(std::int64_t{e.kind}).add(e.id)));
  return c_.defer(kAppend, PgParams().add(user_).add(e.ts).add(std::int64_t{e.kind}).add(e.id)
                               .add(std::int64_t{e.op}).add(e.created_ts).add(e.data));
}

Result<std::optional<StoredResponse>> PgTxn::find_response(std::string_view key) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c_.query(kFindResponse, PgParams().add(user_).add(key)));
  if (r.rows() == 0) return std::optional<StoredResponse>();
  StoredResponse out;
  out.fingerprint = r.text_at(0, 0);
  out.created_ms = r.int_at(0, 1);
  out.status = static_cast<int>(r.int_at(0, 2));
  out.headers = r.text_at(0, 3);
  out.body = r.text_at(0, 4);
  return std::optional<StoredResponse>(std::move(out));
}

Status PgTxn::put_response(std::string_view key, const StoredResponse& r) {
  SYNCLOG_RETURN_IF_ERROR(same_session());
  return c_.defer(kPutResponse, PgParams().add(user_).add(key).add(r.fingerprint).add(r.created_ms)
                                    .add(std::int64_t{r.status}).add(r.headers).add(r.body));
}

}  // namespace synclog::storage::postgres
