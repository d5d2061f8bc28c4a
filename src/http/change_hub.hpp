// The per-process hub of the change stream (GET /v1/sync/events): which listeners (open
// streams) each user has, fed by the store's HeadEvents. A move of a user's head is told to
// that user's listeners only; a resync re-reads the head of every user that has listeners.
//
// Thread-safe. An idle listener costs the hub one pointer in its user's list, so many thousands
// of idle streams stay cheap. Users are spread over a few locks, so moves of different users
// rarely wait for each other.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "storage/store.hpp"

namespace synclog::http {

class Gauge;

// Reads `user`'s current head in a read transaction; `done` gets it, on a store thread (or on
// the calling thread if the store answers at once).
void read_head(storage::Store& store, storage::UserKey user,
               std::function<void(Result<std::int64_t>)> done);

// Raises `latest` to `head` when that is higher (listeners keep the highest head told, from any
// thread); whether it rose.
inline bool raise_to(std::atomic<std::int64_t>& latest, std::int64_t head) {
  std::int64_t known = latest.load(std::memory_order_relaxed);
  while (head > known && !latest.compare_exchange_weak(known, head, std::memory_order_acq_rel)) {
  }
  return head > known;
}

class ChangeHub {
 public:
  class Listener {
   public:
    // The user's head is now `head` (committed). The same head may be told more than once and
    // heads may arrive out of order: a listener keeps the highest. Called on any thread with
    // the hub's lock held: it must return at once and must not call the hub.
    virtual void head_moved(std::int64_t head) = 0;
    // add() dropped this listener to make room for a newer one of the same user: it is not
    // called again, and remove() of it does nothing. Called like head_moved.
    virtual void evicted() = 0;

   protected:
    ~Listener() = default;
  };

  // `open`, if given, tracks the number of listeners.
  explicit ChangeHub(Gauge* open = nullptr);
  ChangeHub(const ChangeHub&) = delete;
  ChangeHub& operator=(const ChangeHub&) = delete;

  // Adds `l` to `user`'s listeners. When the user already has `limit` of them (at least 1), the
  // oldest is evicted first, so a user never has more than `limit`. `l` must stay alive until
  // remove(); after remove() returns, or after it was evicted, it is never called again.
  void add(storage::UserKey user, Listener& l, std::size_t limit);
  void remove(storage::UserKey user, Listener& l);

  // Tells `user`'s listeners that the head is now `head`.
  void moved(storage::UserKey user, std::int64_t head);
  // Reads the head of every user that has listeners (one read each, on the store's threads)
  // and tells it to them: for when moves may have been missed.
  void resync(storage::Store& store);

  // What the store should call: moved() and resync() on this hub. `store` must outlive the
  // hub's use of it (a resync reads from it).
  storage::HeadEvents head_events(storage::Store& store);

  std::size_t listeners(storage::UserKey user) const;
  std::size_t listeners() const { return total_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    // Oldest first. Guarded by mu.
    std::unordered_map<storage::UserKey, std::vector<Listener*>> users;
  };
  Shard& shard(storage::UserKey user);
  const Shard& shard(storage::UserKey user) const;

  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> total_{0};
  Gauge* open_;
};

}  // namespace synclog::http
