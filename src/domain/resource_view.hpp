// Typed reads of one user's resources inside a storage transaction (read or write): the
// domain's view of records, with the lookups its rules need. Not thread-safe; lives as long as
// the transaction it reads.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/any_record.hpp"
#include "domain/model.hpp"
#include "domain/resource.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

class TypeRegistry;

class ResourceView {
 public:
  // Reads a user's log: the Quran types.
  explicit ResourceView(storage::ReadTxn& txn);
  // Reads a log whose kinds `types` defines (it must outlive the view).
  ResourceView(storage::ReadTxn& txn, const TypeRegistry& types) : read_(txn), types_(&types) {}

  const TypeRegistry& types() const { return *types_; }
  storage::ReadTxn& txn() { return read_; }
  // The record (kind, id) as its type decodes it, if it exists. kInternal for a kind the
  // registry does not know.
  Result<std::optional<AnyRecord>> get_any(std::uint8_t kind, std::string_view id);

  // The resource of type T (Bookmark, Collection, Membership, Note, ReadingSession) with this
  // record id, if it exists.
  template <class T>
  Result<std::optional<T>> get(std::string_view id);
  // Every resource of type T, by id.
  template <class T>
  Result<std::vector<T>> list();

  Result<std::optional<Bookmark>> bookmark_by_identity(const BookmarkDetails& d);
  Result<std::optional<Bookmark>> reading_bookmark();
  Result<std::optional<Membership>> membership(std::string_view collection_id,
                                               std::string_view bookmark_id);
  Result<std::vector<Membership>> memberships_of_collection(std::string_view collection_id);
  Result<std::vector<Membership>> memberships_of_bookmark(std::string_view bookmark_id);

  // When the resource (kind, id) was deleted: the ts of its tombstone, if its latest log entry
  // is one (nullopt when it exists, never existed, or its tombstone was purged by retention).
  Result<std::optional<std::int64_t>> deleted_at(Resource kind, std::string_view id);

  // A bookmark that is in no collection, not in Favorites and not the reading bookmark.
  Result<bool> is_orphan(const Bookmark& b);
  // The bookmark's visible collection memberships, counting Favorites.
  Result<int> collections_count(const Bookmark& b);

 private:
  storage::ReadTxn& read_;
  const TypeRegistry* types_;
};

}  // namespace synclog::domain
