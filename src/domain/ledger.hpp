// The domain's view of one user's write transaction: typed loads of resources, and saves that
// write the record and its log entry together so the two never disagree. Also hands out the
// mutation timestamps. One Ledger per push; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/model.hpp"
#include "domain/mutation.hpp"
#include "domain/mutation_clock.hpp"
#include "domain/resource.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

class Ledger {
 public:
  // `head` is the user's current head; `client_id` is recorded as modifiedBy.
  Ledger(storage::WriteTxn& txn, std::int64_t now_ms, std::int64_t head, std::string client_id)
      : txn_(txn), clock_(now_ms, head), client_id_(std::move(client_id)) {}

  std::int64_t next_ts() { return clock_.next(); }
  std::int64_t head() const { return clock_.head(); }
  const std::string& client_id() const { return client_id_; }

  // The resource of type T (Bookmark, Collection, Membership, Note, ReadingSession) with this
  // record id, if it exists.
  template <class T>
  Result<std::optional<T>> get(std::string_view id);
  Result<std::optional<Bookmark>> bookmark_by_identity(const BookmarkDetails& d);
  Result<std::optional<Bookmark>> reading_bookmark();
  Result<std::optional<Membership>> membership(std::string_view collection_id,
                                               std::string_view bookmark_id);
  Result<std::vector<Membership>> memberships_of_collection(std::string_view collection_id);
  Result<std::vector<Membership>> memberships_of_bookmark(std::string_view bookmark_id);

  // Stamps `v` (version = a new ts, modifiedBy), stores it and logs it as `op`. The ts is
  // returned. `times` fills the client times; absent ones default to the ts.
  template <class T>
  Result<std::int64_t> save(T& v, MutationType op, const ClientTimes& times);
  // Removes the resource and logs its tombstone; returns the ts.
  template <class T>
  Result<std::int64_t> remove(const T& v);

  // A bookmark that is in no collection, not in Favorites and not the reading bookmark.
  Result<bool> is_orphan(const Bookmark& b);

 private:
  Status write(const storage::Record& record, storage::Entry entry);
  Status erase(const storage::Record& record, storage::Entry entry);

  storage::WriteTxn& txn_;
  MutationClock clock_;
  std::string client_id_;
};

}  // namespace synclog::domain
