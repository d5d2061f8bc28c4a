// ReadTxn/WriteTxn over one SQLite connection. The store opens and ends the SQL transaction;
// this class only runs statements in it. Used for reads too (its write methods are then never
// called).
#pragma once

#include "storage/head_cache.hpp"
#include "storage/sqlite/count_cache.hpp"
#include "storage/sqlite/statement.hpp"
#include "storage/store.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace synclog::storage::sqlite {

class SqliteTxn final : public WriteTxn {
 public:
  SqliteTxn(Connection& c, UserKey user) : c_(c), user_(user) {}
  // What a read transaction shares with the others: remembered entry counts (with the
  // maintenance generation taken before the transaction began, count_cache.hpp) and the heads
  // it sees, which are committed ones.
  struct ReadCaches {
    CountCache& counts;
    HeadCache& heads;
    std::uint64_t generation;  // counts.generation(), before the transaction began
    std::uint64_t head_epoch;  // heads.epoch(), before the transaction began
  };
  SqliteTxn(Connection& c, UserKey user, ReadCaches caches)
      : c_(c), user_(user), counts_(&caches.counts), heads_(&caches.heads),
        generation_at_begin_(caches.generation), head_epoch_at_begin_(caches.head_epoch) {}

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

  Status set_head(std::int64_t head) override;
  Status put(const Record& r) override;
  Status erase(std::uint8_t kind, std::string_view id) override;
  Status append(const Entry& e) override;
  Result<std::optional<StoredResponse>> find_response(std::string_view key) override;
  Status put_response(std::string_view key, const StoredResponse& r) override;
  Result<WriteTxn*> also(UserKey other) override;

  bool traversal_marked() const { return traversal_; }
  // Every (user, head) this transaction and those it reached with also() set.
  void heads_set(std::vector<std::pair<UserKey, std::int64_t>>& out) const;

 private:
  Result<std::vector<Record>> records(const char* sql, std::uint8_t kind, std::string_view key);
  // Entries matching `q` with q.after_ts < ts <= upto_ts (no upper bound: nullopt).
  Result<std::int64_t> count_range(const EntryQuery& q, std::optional<std::int64_t> upto_ts);

  Connection& c_;
  UserKey user_;
  CountCache* counts_ = nullptr;
  HeadCache* heads_ = nullptr;
  std::uint64_t generation_at_begin_ = 0;
  std::uint64_t head_epoch_at_begin_ = 0;
  std::optional<UserHead> head_read_;  // reads only (heads_ set): their snapshot's head
  bool traversal_ = false;
  std::int64_t head_set_ = 0;
  std::vector<std::unique_ptr<SqliteTxn>> others_;
};

}  // namespace synclog::storage::sqlite
