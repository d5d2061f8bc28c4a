// Typed access to records and the log. Saves write record and entry in the same transaction;
// the entry carries the wire form of the new state, so pulls never re-encode.
#include "domain/ledger.hpp"

#include "domain/model_codec.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

constexpr std::uint8_t kind_of(Resource r) { return static_cast<std::uint8_t>(r); }

template <class T> struct Traits;
template <> struct Traits<Bookmark> {
  static constexpr Resource kResource = Resource::kBookmark;
  static Result<Bookmark> decode(const storage::Record& r) { return bookmark_from(r); }
  static std::string id(const Bookmark& v) { return v.id; }
  static std::string tombstone(const Bookmark&) { return tombstone_data(); }
};
template <> struct Traits<Collection> {
  static constexpr Resource kResource = Resource::kCollection;
  static Result<Collection> decode(const storage::Record& r) { return collection_from(r); }
  static std::string id(const Collection& v) { return v.id; }
  static std::string tombstone(const Collection&) { return tombstone_data(); }
};
template <> struct Traits<Membership> {
  static constexpr Resource kResource = Resource::kCollectionBookmark;
  static Result<Membership> decode(const storage::Record& r) { return membership_from(r); }
  static std::string id(const Membership& v) { return v.record_id(); }
  static std::string tombstone(const Membership& v) { return tombstone_data(v); }
};
template <> struct Traits<Note> {
  static constexpr Resource kResource = Resource::kNote;
  static Result<Note> decode(const storage::Record& r) { return note_from(r); }
  static std::string id(const Note& v) { return v.id; }
  static std::string tombstone(const Note&) { return tombstone_data(); }
};
template <> struct Traits<ReadingSession> {
  static constexpr Resource kResource = Resource::kReadingSession;
  static Result<ReadingSession> decode(const storage::Record& r) { return reading_session_from(r); }
  static std::string id(const ReadingSession& v) { return v.id; }
  static std::string tombstone(const ReadingSession&) { return tombstone_data(); }
};

template <class T>
Result<std::optional<T>> load(storage::WriteTxn& txn, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto rec, txn.get(kind_of(Traits<T>::kResource), id));
  if (!rec) return std::optional<T>();
  SYNCLOG_ASSIGN_OR_RETURN(auto v, Traits<T>::decode(*rec));
  return std::optional<T>(std::move(v));
}

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

template <class T>
Result<std::optional<T>> Ledger::get(std::string_view id) {
  return load<T>(txn_, id);
}

Result<std::optional<Bookmark>> Ledger::bookmark_by_identity(const BookmarkDetails& d) {
  return first_of<Bookmark>(txn_.find_by_k1(kind_of(Resource::kBookmark), d.identity()));
}

Result<std::optional<Bookmark>> Ledger::reading_bookmark() {
  return first_of<Bookmark>(txn_.find_by_k2(kind_of(Resource::kBookmark), kReadingBookmarkKey));
}

Result<std::optional<Membership>> Ledger::membership(std::string_view collection_id,
                                                     std::string_view bookmark_id) {
  std::string id(collection_id);
  id.push_back('/');
  id.append(bookmark_id);
  return load<Membership>(txn_, id);
}

Result<std::vector<Membership>> Ledger::memberships_of_collection(std::string_view collection_id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto recs,
                           txn_.find_by_k1(kind_of(Resource::kCollectionBookmark), collection_id));
  return decode_all<Membership>(recs);
}

Result<std::vector<Membership>> Ledger::memberships_of_bookmark(std::string_view bookmark_id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto recs,
                           txn_.find_by_k2(kind_of(Resource::kCollectionBookmark), bookmark_id));
  return decode_all<Membership>(recs);
}

Result<bool> Ledger::is_orphan(const Bookmark& b) {
  if (b.in_default || b.is_reading) return false;
  SYNCLOG_ASSIGN_OR_RETURN(auto ms, memberships_of_bookmark(b.id));
  return ms.empty();
}

template <class T>
Result<std::int64_t> Ledger::save(T& v, MutationType op, const ClientTimes& times) {
  const std::int64_t ts = next_ts();
  if (op == MutationType::kCreate && v.created_ts == 0) {
    v.created_ts = ts;
    v.client.created_ms = times.created.value_or(ts);
  } else if (times.created) {
    v.client.created_ms = *times.created;
  }
  v.client.updated_ms = times.updated.value_or(ts);
  v.version = ts;
  v.modified_by = client_id_;
  storage::Entry e;
  e.ts = ts;
  e.kind = kind_of(Traits<T>::kResource);
  e.id = Traits<T>::id(v);
  e.op = static_cast<std::uint8_t>(op);
  e.created_ts = v.created_ts;
  e.data = wire_data(v);
  SYNCLOG_RETURN_IF_ERROR(write(to_record(v), std::move(e)));
  return ts;
}

template <class T>
Result<std::int64_t> Ledger::remove(const T& v) {
  const std::int64_t ts = next_ts();
  storage::Entry e;
  e.ts = ts;
  e.kind = kind_of(Traits<T>::kResource);
  e.id = Traits<T>::id(v);
  e.op = static_cast<std::uint8_t>(MutationType::kDelete);
  e.created_ts = v.created_ts;
  e.data = Traits<T>::tombstone(v);
  SYNCLOG_RETURN_IF_ERROR(erase(to_record(v), std::move(e)));
  return ts;
}

Status Ledger::write(const storage::Record& record, storage::Entry entry) {
  SYNCLOG_RETURN_IF_ERROR(txn_.put(record));
  return txn_.append(entry);
}

Status Ledger::erase(const storage::Record& record, storage::Entry entry) {
  SYNCLOG_RETURN_IF_ERROR(txn_.erase(record.kind, record.id));
  return txn_.append(entry);
}

template Result<std::optional<Bookmark>> Ledger::get(std::string_view);
template Result<std::optional<Collection>> Ledger::get(std::string_view);
template Result<std::optional<Membership>> Ledger::get(std::string_view);
template Result<std::optional<Note>> Ledger::get(std::string_view);
template Result<std::optional<ReadingSession>> Ledger::get(std::string_view);
template Result<std::int64_t> Ledger::save(Bookmark&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Collection&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Membership&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Note&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(ReadingSession&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::remove(const Bookmark&);
template Result<std::int64_t> Ledger::remove(const Collection&);
template Result<std::int64_t> Ledger::remove(const Membership&);
template Result<std::int64_t> Ledger::remove(const Note&);
template Result<std::int64_t> Ledger::remove(const ReadingSession&);

}  // namespace synclog::domain
