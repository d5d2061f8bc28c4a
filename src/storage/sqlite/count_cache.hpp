// Counts of a user's log entries after a timestamp, remembered so that the next count along
// a traversal costs a page instead of the whole remaining log.
//
// A pull answers `total`: the entries after its cursor. A first sync by cursor pages of 1000
// asks that after every page, and counting every remaining entry each time made a pull of
// 100 000 entries quadratic: four fifths of the server's time (docs/benchmarks.md). With the
// count after an earlier timestamp known for the same state of the user's log, the count after
// a later one is that count minus the entries in between.
//
// "The same state": a user's entries change only in writes, which move the user's head, and in
// maintenance passes (compaction, retention). A pass makes the store's maintenance generation
// odd before it starts and even again after it commits; a reader takes the generation before
// its snapshot begins and again after, and uses or remembers counts only when both are the
// same even number. Then no pass committed between, so its snapshot holds exactly the passes
// up to that generation, as every count remembered under it does.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "storage/store.hpp"

namespace synclog::storage::sqlite {

class CountCache {
 public:
  struct Key {
    UserKey user = 0;
    std::uint32_t kind_mask = 0;
    bool include_superseded = false;
    bool operator==(const Key&) const = default;
  };
  struct Known {
    std::int64_t head = 0;            // the user's head in the snapshot it was counted in
    std::uint64_t generation = 0;     // the maintenance generation of that snapshot
    std::int64_t after_ts = 0;        // counted: entries with ts > after_ts
    std::int64_t count = 0;
  };

  std::optional<Known> find(const Key& k) {
    std::lock_guard lock(mu_);
    auto it = known_.find(k);
    if (it == known_.end()) return std::nullopt;
    return it->second;
  }
  void remember(const Key& k, const Known& v) {
    std::lock_guard lock(mu_);
    // Bounded: a traversal needs only its own latest count, so forgetting all at once when
    // full costs each live traversal one full count.
    if (known_.size() >= kMaxKnown && !known_.count(k)) known_.clear();
    known_[k] = v;
  }

  // The generation maintenance passes move (see above).
  std::atomic<std::uint64_t>& generation() { return generation_; }

 private:
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::int64_t>()(k.user) * 31 + k.kind_mask * 2 + (k.include_superseded ? 1 : 0);
    }
  };
  static constexpr std::size_t kMaxKnown = 8192;
  std::mutex mu_;
  std::unordered_map<Key, Known, Hash> known_;
  std::atomic<std::uint64_t> generation_{0};
};

// Makes the generation odd for its lifetime: wraps a maintenance pass that deletes entries.
class MaintenanceWindow {
 public:
  explicit MaintenanceWindow(CountCache& cache) : generation_(cache.generation()) { generation_.fetch_add(1); }
  ~MaintenanceWindow() { generation_.fetch_add(1); }
  MaintenanceWindow(const MaintenanceWindow&) = delete;
  MaintenanceWindow& operator=(const MaintenanceWindow&) = delete;

 private:
  std::atomic<std::uint64_t>& generation_;
};

}  // namespace synclog::storage::sqlite
