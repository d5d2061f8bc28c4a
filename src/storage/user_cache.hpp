// The subject -> user key cache every backend keeps in front of resolve_user: a user's key never
// changes once assigned, so a process may remember it without asking the database again (on
// PostgreSQL, whichever node assigned it). Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "storage/store.hpp"

namespace synclog::storage {

class UserCache {
 public:
  std::optional<UserKey> find(const std::string& subject) const {
    std::shared_lock lock(mu_);
    auto it = users_.find(subject);
    if (it == users_.end()) return std::nullopt;
    return it->second;
  }

  void remember(const std::string& subject, UserKey uid) {
    std::unique_lock lock(mu_);
    users_.emplace(subject, uid);
  }

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, UserKey> users_;  // guarded by mu_
};

}  // namespace synclog::storage
