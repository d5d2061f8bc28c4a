// The latest committed head of each user a process has seen, for a backend whose process is
// the only writer of its data (SQLite): a metadataOnly poll is then answered from memory,
// without a transaction or a hop to a reader thread (docs/benchmarks.md). Thread-safe.
//
// Heads only rise, so every update keeps the higher value: a reader whose snapshot predates a
// commit cannot lower what the commit raised, whatever the order the two arrive in (and when
// the cache is full and forgets everything, reads from before that are not remembered).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "storage/store.hpp"

namespace synclog::storage {

class HeadCache {
 public:
  explicit HeadCache(std::size_t max_users = 1 << 20) : max_users_(max_users) {}

  std::optional<std::int64_t> find(UserKey user) const {
    std::shared_lock lock(mu_);
    auto it = heads_.find(user);
    if (it == heads_.end()) return std::nullopt;
    return it->second;
  }

  // `head` was committed for `user` by a write, now durable.
  void raise(UserKey user, std::int64_t head) {
    std::unique_lock lock(mu_);
    raise_locked(user, head);
  }

  // `head` is what a read saw; `epoch` is epoch() taken before its snapshot began. Skipped if
  // the cache has forgotten everything since: a write past the snapshot may have been remembered
  // and forgotten in between, and the read's older head must not stand in for it.
  void raise_seen(UserKey user, std::int64_t head, std::uint64_t epoch) {
    std::unique_lock lock(mu_);
    if (epoch != epoch_.load()) return;
    raise_locked(user, head);
  }

  // Changes whenever the cache forgets everything.
  std::uint64_t epoch() const { return epoch_.load(); }

 private:
  void raise_locked(UserKey user, std::int64_t head) {
    // Bounded: a user forgotten is read from the database again, and remembered again.
    if (heads_.size() >= max_users_ && !heads_.count(user)) {
      heads_.clear();
      epoch_.fetch_add(1);
    }
    auto& known = heads_[user];
    if (head > known) known = head;
  }

  const std::size_t max_users_;
  std::atomic<std::uint64_t> epoch_{0};  // changed under mu_
  mutable std::shared_mutex mu_;
  std::unordered_map<UserKey, std::int64_t> heads_;  // guarded by mu_
};

}  // namespace synclog::storage
