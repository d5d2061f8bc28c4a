// The latest committed head of each user a process has seen, for a backend whose process is
// the only writer of its data (SQLite): a metadataOnly poll is then answered from memory,
// without a transaction or a hop to a reader thread (docs/benchmarks.md). Thread-safe.
//
// Heads only rise, so every update keeps the higher value: a reader whose snapshot predates a
// commit cannot lower what the commit raised, whatever the order the two arrive in.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "storage/store.hpp"

namespace synclog::storage {

class HeadCache {
 public:
  std::optional<std::int64_t> find(UserKey user) const {
    std::shared_lock lock(mu_);
    auto it = heads_.find(user);
    if (it == heads_.end()) return std::nullopt;
    return it->second;
  }

  // `head` was committed for `user` (a write's, once durable, or one a read saw).
  void raise(UserKey user, std::int64_t head) {
    std::unique_lock lock(mu_);
    // Bounded: a user forgotten is read from the database again, and remembered again.
    if (heads_.size() >= kMaxUsers && !heads_.count(user)) heads_.clear();
    auto& known = heads_[user];
    if (head > known) known = head;
  }

 private:
  static constexpr std::size_t kMaxUsers = 1 << 20;
  mutable std::shared_mutex mu_;
  std::unordered_map<UserKey, std::int64_t> heads_;  // guarded by mu_
};

}  // namespace synclog::storage
