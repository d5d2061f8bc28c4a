// ReadTxn/WriteTxn over one PostgreSQL connection, and the transaction around them.
//
// A write transaction (READ COMMITTED) starts by locking the user's row (SELECT ... FOR
// UPDATE): writes for one user are serialised across every node on the database, and each of
// its later statements sees everything committed before it got the lock. A read transaction is
// one REPEATABLE READ READ ONLY snapshot. Either way the user's row, read first, serves head():
// no other transaction can change it under a write (it holds the lock) or under a snapshot.
// Statements that return nothing are deferred (pipeline mode) and reach the server with the
// next read or with COMMIT.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "storage/postgres/pg_connection.hpp"
#include "storage/store.hpp"

namespace synclog::storage::postgres {

class PgTxn final : public WriteTxn {
 public:
  PgTxn(PgConnection& c, UserKey user) : c_(c), user_(user), session_(c.session()) {}

  // Opens the transaction on the connection (which must have none open).
  Status begin_write();
  Status begin_read();
  // Commits; on failure the transaction is rolled back and nothing of it persists.
  Status commit();
  // Ends the transaction, dropping its writes. Never fails (a lost connection dropped them).
  void rollback();

  UserKey user() const override { return user_; }
  Result<UserHead> head() override;
  Result<std::optional<Record>> get(std::uint8_t kind, std::string_view id) override;
  Result<std::vector<Record>> find_by_k1(std::uint8_t kind, std::string_view k1) override;
  Result<std::vector<Record>> find_by_k2(std::uint8_t kind, std::string_view k2) override;
  Result<std::vector<Record>> list(std::uint8_t kind) override;
  Result<std::optional<EntryHead>> latest_entry(std::uint8_t kind, std::string_view id) override;
  Result<std::int64_t> count_entries(const EntryQuery& q) override;
  Status scan_entries(const EntryQuery& q, std::int64_t offset, std::int64_t limit,
                      const std::function<bool(const Entry&)>& visit) override;
  void mark_traversal() override { traversal_ = true; }

  // set_head also queues a notification ('<uid> <head>' on channel synclog_heads), delivered to
  // every node's listener when the transaction commits.
  Status set_head(std::int64_t head) override;
  Status put(const Record& r) override;
  Status erase(std::uint8_t kind, std::string_view id) override;
  Status append(const Entry& e) override;
  Result<std::optional<StoredResponse>> find_response(std::string_view key) override;
  Status put_response(std::string_view key, const StoredResponse& r) override;
  // Locks the other user's row (FOR UPDATE) in this transaction.
  Result<WriteTxn*> also(UserKey other) override;

  bool traversal_marked() const { return traversal_; }
  // users.compactions as this transaction saw it (see PgStore's traversal markers).
  std::int64_t compactions_seen() const { return compactions_; }

 private:
  Status load_user(const PgStatement& st);
  // Fails once the connection started a new session (the transaction is gone with the old one):
  // nothing of it may run outside a transaction, or pass for committed.
  Status same_session() const;
  Result<std::vector<Record>> records(const PgStatement& st, std::uint8_t kind, std::string_view key);

  PgConnection& c_;
  UserKey user_;
  std::uint64_t session_;
  bool found_ = false;
  UserHead head_;
  std::int64_t compactions_ = 0;
  bool traversal_ = false;
  std::vector<std::unique_ptr<PgTxn>> others_;
};

}  // namespace synclog::storage::postgres
