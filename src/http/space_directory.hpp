// What a server remembers of the spaces requests name: each space's log key and schema. Neither
// ever changes once the space exists, so they are kept for the process's life and a request
// for a known space goes to its log at once. Membership is never remembered: it is read in the
// request's own transaction. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/store.hpp"

namespace synclog::http {

struct KnownSpace {
  storage::UserKey key = 0;
  std::string schema;  // the schema's name
};

class SpaceDirectory {
 public:
  std::optional<KnownSpace> find(std::string_view id) const {
    std::shared_lock lock(mu_);
    const auto it = spaces_.find(std::string(id));
    if (it == spaces_.end()) return std::nullopt;
    return it->second;
  }
  void remember(std::string_view id, KnownSpace space) {
    std::unique_lock lock(mu_);
    spaces_.emplace(std::string(id), std::move(space));
  }

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, KnownSpace> spaces_;  // guarded by mu_
};

}  // namespace synclog::http
