// The statements behind each transaction operation.
#include "storage/sqlite/sqlite_txn.hpp"

#include <limits>

namespace synclog::storage::sqlite {
namespace {

Record record_from_row(const Statement& s, std::uint8_t kind) {
  Record r;
  r.kind = kind;
  r.id = s.text_at(0);
  r.version = s.int_at(1);
  r.created_ts = s.int_at(2);
  r.k1 = s.text_at(3);
  r.k2 = s.text_at(4);
  r.data = s.text_at(5);
  return r;
}

}  // namespace

Result<UserHead> SqliteTxn::head() {
  // A read's snapshot does not change: a pull asks for the head, and so does its count.
  if (head_read_) return *head_read_;
  SYNCLOG_ASSIGN_OR_RETURN(Statement* s,
                           c_.prepare("SELECT head, baseline, horizon FROM users WHERE uid=?"));
  ResetOnExit guard{s};
  s->bind(1, user_);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return make_error(ErrorCode::kInternal, "sqlite: no user " + std::to_string(user_));
  const UserHead h{s->int_at(0), s->int_at(1), s->int_at(2)};
  if (heads_) {
    heads_->raise_seen(user_, h.head, head_epoch_at_begin_);
    head_read_ = h;
  }
  return h;
}

Result<std::optional<Record>> SqliteTxn::get(std::uint8_t kind, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s,
      c_.prepare("SELECT id, version, created_ts, k1, k2, data FROM records "
                 "WHERE uid=? AND kind=? AND id=?"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, kind).bind(3, id);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<Record>();
  return std::optional<Record>(record_from_row(*s, kind));
}

Result<std::vector<Record>> SqliteTxn::records(const char* sql, std::uint8_t kind,
                                               std::string_view key) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement* s, c_.prepare(sql));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, kind);
  if (!key.empty()) s->bind(3, key);
  std::vector<Record> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    out.push_back(record_from_row(*s, kind));
  }
  return out;
}

Result<std::vector<Record>> SqliteTxn::find_by_k1(std::uint8_t kind, std::string_view k1) {
  if (k1.empty()) return std::vector<Record>();
  return records(
      "SELECT id, version, created_ts, k1, k2, data FROM records WHERE uid=? AND kind=? AND k1=? "
      "ORDER BY id",
      kind, k1);
}

Result<std::vector<Record>> SqliteTxn::find_by_k2(std::uint8_t kind, std::string_view k2) {
  if (k2.empty()) return std::vector<Record>();
  return records(
      "SELECT id, version, created_ts, k1, k2, data FROM records WHERE uid=? AND kind=? AND k2=? "
      "ORDER BY id",
      kind, k2);
}

Result<std::vector<Record>> SqliteTxn::list(std::uint8_t kind) {
  return records(
      "SELECT id, version, created_ts, k1, k2, data FROM records WHERE uid=? AND kind=? ORDER BY id",
      kind, {});
}

Result<std::optional<EntryHead>> SqliteTxn::latest_entry(std::uint8_t kind, std::string_view id) {
  // entries_live: the one entry of (kind, id) not superseded.
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s,
      c_.prepare("SELECT ts, op FROM entries WHERE uid=? AND kind=? AND id=? AND superseded_at=0"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, kind).bind(3, id);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<EntryHead>();
  return std::optional<EntryHead>(EntryHead{s->int_at(0), static_cast<std::uint8_t>(s->int_at(1))});
}

Result<std::int64_t> SqliteTxn::count_range(const EntryQuery& q, std::optional<std::int64_t> upto_ts) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s,
      c_.prepare("SELECT count(*) FROM entries WHERE uid=?1 AND ts>?2 AND ts<=?5 "
                 "AND ((1<<kind) & ?3) != 0 AND (superseded_at=0 OR ?4)"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, q.after_ts).bind(3, q.kind_mask).bind(4, q.include_superseded ? 1 : 0)
      .bind(5, upto_ts.value_or(std::numeric_limits<std::int64_t>::max()));
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->int_at(0) : 0;
}

Result<std::int64_t> SqliteTxn::count_entries(const EntryQuery& q) {
  if (!counts_) return count_range(q, std::nullopt);
  // The snapshot begins with the transaction's first read: the head's, at the latest here.
  SYNCLOG_ASSIGN_OR_RETURN(const UserHead h, head());
  const std::uint64_t generation = counts_->generation().load();
  const bool stable = generation == generation_at_begin_ && generation % 2 == 0;
  if (!stable) return count_range(q, std::nullopt);

  const CountCache::Key key{user_, q.kind_mask, q.include_superseded};
  std::int64_t count = 0;
  const auto known = counts_->find(key);
  if (known && known->head == h.head && known->generation == generation && known->after_ts <= q.after_ts) {
    EntryQuery between = q;
    between.after_ts = known->after_ts;
    SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t passed, count_range(between, q.after_ts));
    count = known->count - passed;
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(count, count_range(q, std::nullopt));
  }
  counts_->remember(key, CountCache::Known{h.head, generation, q.after_ts, count});
  return count;
}

Status SqliteTxn::scan_entries(const EntryQuery& q, std::int64_t offset, std::int64_t limit,
                               const std::function<bool(const Entry&)>& visit) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s,
      c_.prepare("SELECT ts, kind, id, op, created_ts, data FROM entries "
                 "WHERE uid=?1 AND ts>?2 AND ((1<<kind) & ?3) != 0 AND (superseded_at=0 OR ?4) "
                 "ORDER BY ts LIMIT ?5 OFFSET ?6"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, q.after_ts).bind(3, q.kind_mask).bind(4, q.include_superseded ? 1 : 0)
      .bind(5, limit).bind(6, offset);
  Entry e;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    e.ts = s->int_at(0);
    e.kind = static_cast<std::uint8_t>(s->int_at(1));
    e.id = s->text_at(2);
    e.op = static_cast<std::uint8_t>(s->int_at(3));
    e.created_ts = s->int_at(4);
    e.data = s->text_at(5);
    if (!visit(e)) break;
  }
  return Status();
}

Status SqliteTxn::set_head(std::int64_t head) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement* s, c_.prepare("UPDATE users SET head=? WHERE uid=?"));
  ResetOnExit guard{s};
  SYNCLOG_RETURN_IF_ERROR(s->bind(1, head).bind(2, user_).run());
  head_set_ = head;
  return Status();
}

Status SqliteTxn::put(const Record& r) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s,
      c_.prepare("INSERT INTO records(uid, kind, id, version, created_ts, k1, k2, data) "
                 "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(uid, kind, id) DO UPDATE SET "
                 "version=excluded.version, created_ts=excluded.created_ts, k1=excluded.k1, "
                 "k2=excluded.k2, data=excluded.data"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, r.kind).bind(3, r.id).bind(4, r.version).bind(5, r.created_ts)
      .bind_or_null(6, r.k1).bind_or_null(7, r.k2).bind(8, r.data);
  return s->run();
}

Status SqliteTxn::erase(std::uint8_t kind, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement* s,
                           c_.prepare("DELETE FROM records WHERE uid=? AND kind=? AND id=?"));
  ResetOnExit guard{s};
  return s->bind(1, user_).bind(2, kind).bind(3, id).run();
}

Status SqliteTxn::append(const Entry& e) {
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement* s, c_.prepare("UPDATE entries SET superseded_at=? "
                                 "WHERE uid=? AND kind=? AND id=? AND superseded_at=0"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, e.ts).bind(2, user_).bind(3, e.kind).bind(4, e.id).run());
  }
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s, c_.prepare("INSERT INTO entries(uid, ts, kind, id, op, created_ts, data) "
                               "VALUES(?,?,?,?,?,?,?)"));
  ResetOnExit guard{s};
  return s->bind(1, user_).bind(2, e.ts).bind(3, e.kind).bind(4, e.id).bind(5, e.op)
      .bind(6, e.created_ts).bind(7, e.data).run();
}

Result<std::optional<StoredResponse>> SqliteTxn::find_response(std::string_view key) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s, c_.prepare("SELECT fingerprint, created_ms, status, headers, body FROM idempotency "
                               "WHERE uid=? AND key=?"));
  ResetOnExit guard{s};
  s->bind(1, user_).bind(2, key);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<StoredResponse>();
  StoredResponse r;
  r.fingerprint = s->text_at(0);
  r.created_ms = s->int_at(1);
  r.status = static_cast<int>(s->int_at(2));
  r.headers = s->text_at(3);
  r.body = s->text_at(4);
  return std::optional<StoredResponse>(std::move(r));
}

Status SqliteTxn::put_response(std::string_view key, const StoredResponse& r) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement* s, c_.prepare("INSERT INTO idempotency(uid, key, fingerprint, created_ms, status, headers, body) "
                               "VALUES(?,?,?,?,?,?,?)"));
  ResetOnExit guard{s};
  return s->bind(1, user_).bind(2, key).bind(3, r.fingerprint).bind(4, r.created_ms)
      .bind(5, static_cast<std::int64_t>(r.status)).bind(6, r.headers).bind(7, r.body).run();
}

Result<WriteTxn*> SqliteTxn::also(UserKey other) {
  if (other == user_) return static_cast<WriteTxn*>(this);
  for (auto& t : others_) {
    if (t->user() == other) return static_cast<WriteTxn*>(t.get());
  }
  // The writer is SQLite's only one: the whole transaction is locked already.
  auto t = std::make_unique<SqliteTxn>(c_, other);
  SYNCLOG_RETURN_IF_ERROR(t->head().status());  // it must exist
  others_.push_back(std::move(t));
  return static_cast<WriteTxn*>(others_.back().get());
}

void SqliteTxn::heads_set(std::vector<std::pair<UserKey, std::int64_t>>& out) const {
  if (head_set_ > 0) out.emplace_back(user_, head_set_);
  for (const auto& t : others_) t->heads_set(out);
}

}  // namespace synclog::storage::sqlite
