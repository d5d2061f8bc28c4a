// The change hub: per-user listener lists under sharded locks, eviction at the cap, and the
// head re-reads of a resync.
#include "http/change_hub.hpp"

#include <algorithm>
#include <memory>

#include "http/metrics.hpp"

namespace synclog::http {

void read_head(storage::Store& store, storage::UserKey user,
               std::function<void(Result<std::int64_t>)> done) {
  auto head = std::make_shared<std::int64_t>(0);
  store.read(
      user,
      [head](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(const auto h, txn.head());
        *head = h.head;
        return Status();
      },
      [head, done = std::move(done)](Status st) {
        if (!st.ok()) return done(st.error());
        done(*head);
      });
}

ChangeHub::ChangeHub(Gauge* open) : open_(open) {}

ChangeHub::Shard& ChangeHub::shard(storage::UserKey user) {
  return shards_[static_cast<std::uint64_t>(user) % kShards];
}

const ChangeHub::Shard& ChangeHub::shard(storage::UserKey user) const {
  return shards_[static_cast<std::uint64_t>(user) % kShards];
}

void ChangeHub::add(storage::UserKey user, Listener& l, std::size_t limit) {
  Shard& s = shard(user);
  {
    std::lock_guard lock(s.mu);
    auto& list = s.users[user];
    // One out for one in: with the same limit at every call, the list never holds more.
    if (list.size() >= std::max<std::size_t>(limit, 1)) {
      list.front()->evicted();
      list.front() = &l;
      std::rotate(list.begin(), list.begin() + 1, list.end());  // the newest last
      return;
    }
    list.push_back(&l);
  }
  total_.fetch_add(1, std::memory_order_relaxed);
  if (open_) open_->add(1);
}

void ChangeHub::remove(storage::UserKey user, Listener& l) {
  Shard& s = shard(user);
  {
    std::lock_guard lock(s.mu);
    auto it = s.users.find(user);
    if (it == s.users.end()) return;
    auto& list = it->second;
    auto pos = std::find(list.begin(), list.end(), &l);
    if (pos == list.end()) return;
    list.erase(pos);  // keeps the order: add() evicts the oldest
    if (list.empty()) s.users.erase(it);
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
  if (open_) open_->add(-1);
}

void ChangeHub::moved(storage::UserKey user, std::int64_t head) {
  Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  auto it = s.users.find(user);
  if (it == s.users.end()) return;
  for (Listener* l : it->second) l->head_moved(head);
}

void ChangeHub::resync(storage::Store& store) {
  std::vector<storage::UserKey> users;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (const auto& [user, list] : s.users) users.push_back(user);
  }
  for (const storage::UserKey user : users) {
    // A failed read leaves the user's streams as they are: the next move or resync tells them.
    read_head(store, user, [this, user](Result<std::int64_t> head) {
      if (head.ok()) moved(user, *head);
    });
  }
}

storage::HeadEvents ChangeHub::head_events(storage::Store& store) {
  storage::HeadEvents events;
  events.moved = [this](storage::UserKey user, std::int64_t head) { moved(user, head); };
  events.resync = [this, &store] { resync(store); };
  return events;
}

std::size_t ChangeHub::listeners(storage::UserKey user) const {
  const Shard& s = shard(user);
  std::lock_guard lock(s.mu);
  auto it = s.users.find(user);
  return it == s.users.end() ? 0 : it->second.size();
}

}  // namespace synclog::http
