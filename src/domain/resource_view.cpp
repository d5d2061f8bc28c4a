// Typed reads over storage records.
#include "domain/resource_view.hpp"

#include "domain/detail/resource_traits.hpp"
#include "domain/record_type.hpp"

namespace synclog::domain {
namespace {

using detail::kind_of;
using detail::Traits;

template <class T>
Result<std::vector<T>> decode_all(const std::vector<storage::Record>& recs) {
  std::vector<T> out;
  out.reserve(recs.size());
  for (const auto& r : recs) {
    SYNCLOG_ASSIGN_OR_RETURN(auto v, Traits<T>::decode(r));
    out.push_back(std::move(v));
  }
  return out;
}

template <class T>
Result<std::optional<T>> first_of(Result<std::vector<storage::Record>> recs) {
  if (!recs.ok()) return recs.error();
  if (recs->empty()) return std::optional<T>();
  SYNCLOG_ASSIGN_OR_RETURN(auto v, Traits<T>::decode(recs->front()));
  return std::optional<T>(std::move(v));
}

}  // namespace

ResourceView::ResourceView(storage::ReadTxn& txn) : read_(txn), types_(&quran_types()) {}

Result<std::optional<AnyRecord>> ResourceView::get_any(std::uint8_t kind, std::string_view id) {
  const RecordType* type = types_->find(kind);
  if (!type) return make_error(ErrorCode::kInternal, "unknown record kind " + std::to_string(kind));
  SYNCLOG_ASSIGN_OR_RETURN(auto rec, read_.get(kind, id));
  if (!rec) return std::optional<AnyRecord>();
  SYNCLOG_ASSIGN_OR_RETURN(auto v, type->decode(*rec));
  return std::optional<AnyRecord>(std::move(v));
}

template <class T>
Result<std::optional<T>> ResourceView::get(std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto rec, read_.get(kind_of(Traits<T>::kResource), id));
  if (!rec) return std::optional<T>();
  SYNCLOG_ASSIGN_OR_RETURN(auto v, Traits<T>::decode(*rec));
  return std::optional<T>(std::move(v));
}

template <class T>
Result<std::vector<T>> ResourceView::list() {
  SYNCLOG_ASSIGN_OR_RETURN(auto recs, read_.list(kind_of(Traits<T>::kResource)));
  return decode_all<T>(recs);
}

Result<std::optional<Bookmark>> ResourceView::bookmark_by_identity(const BookmarkDetails& d) {
  return first_of<Bookmark>(read_.find_by_k1(kind_of(Resource::kBookmark), d.identity()));
}

Result<std::optional<Bookmark>> ResourceView::reading_bookmark() {
  return first_of<Bookmark>(read_.find_by_k2(kind_of(Resource::kBookmark), kReadingBookmarkKey));
}

Result<std::optional<Membership>> ResourceView::membership(std::string_view collection_id,
                                                           std::string_view bookmark_id) {
  std::string id(collection_id);
  id.push_back('/');
  id.append(bookmark_id);
  return get<Membership>(id);
}

Result<std::vector<Membership>> ResourceView::memberships_of_collection(std::string_view collection_id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto recs,
                           read_.find_by_k1(kind_of(Resource::kCollectionBookmark), collection_id));
  return decode_all<Membership>(recs);
}

Result<std::vector<Membership>> ResourceView::memberships_of_bookmark(std::string_view bookmark_id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto recs,
                           read_.find_by_k2(kind_of(Resource::kCollectionBookmark), bookmark_id));
  return decode_all<Membership>(recs);
}

Result<bool> ResourceView::is_orphan(const Bookmark& b) {
  if (b.in_default || b.is_reading) return false;
  SYNCLOG_ASSIGN_OR_RETURN(auto ms, memberships_of_bookmark(b.id));
  return ms.empty();
}

Result<int> ResourceView::collections_count(const Bookmark& b) {
  SYNCLOG_ASSIGN_OR_RETURN(auto ms, memberships_of_bookmark(b.id));
  return static_cast<int>(ms.size()) + (b.in_default ? 1 : 0);
}

Result<std::optional<std::int64_t>> ResourceView::deleted_at(Resource kind, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto latest, read_.latest_entry(kind_of(kind), id));
  if (!latest || latest->op != storage::kTombstoneOp) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(latest->ts);
}

template Result<std::optional<Bookmark>> ResourceView::get(std::string_view);
template Result<std::optional<Collection>> ResourceView::get(std::string_view);
template Result<std::optional<Membership>> ResourceView::get(std::string_view);
template Result<std::optional<Note>> ResourceView::get(std::string_view);
template Result<std::optional<ReadingSession>> ResourceView::get(std::string_view);
template Result<std::vector<Bookmark>> ResourceView::list();
template Result<std::vector<Collection>> ResourceView::list();
template Result<std::vector<Membership>> ResourceView::list();
template Result<std::vector<Note>> ResourceView::list();
template Result<std::vector<ReadingSession>> ResourceView::list();

}  // namespace synclog::domain
