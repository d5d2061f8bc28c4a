// How each record type maps onto storage: its kind, record id, decoding and tombstone.
// Shared by ResourceView and Ledger; private to the domain.
#pragma once

#include <string>

#include "domain/declared_record.hpp"
#include "domain/model.hpp"
#include "domain/model_codec.hpp"
#include "domain/resource.hpp"
#include "domain/wire.hpp"
#include "storage/store.hpp"

namespace synclog::domain::detail {

constexpr std::uint8_t kind_of(Resource r) { return static_cast<std::uint8_t>(r); }

template <class T> struct Traits;
template <> struct Traits<Bookmark> {
  static constexpr Resource kResource = Resource::kBookmark;
  static std::uint8_t kind(const auto&) { return kind_of(Resource::kBookmark); }
  static Result<Bookmark> decode(const storage::Record& r) { return bookmark_from(r); }
  static std::string id(const Bookmark& v) { return v.id; }
  static std::string tombstone(const Bookmark&) { return tombstone_data(); }
};
template <> struct Traits<Collection> {
  static constexpr Resource kResource = Resource::kCollection;
  static std::uint8_t kind(const auto&) { return kind_of(Resource::kCollection); }
  static Result<Collection> decode(const storage::Record& r) { return collection_from(r); }
  static std::string id(const Collection& v) { return v.id; }
  static std::string tombstone(const Collection&) { return tombstone_data(); }
};
template <> struct Traits<Membership> {
  static constexpr Resource kResource = Resource::kCollectionBookmark;
  static std::uint8_t kind(const auto&) { return kind_of(Resource::kCollectionBookmark); }
  static Result<Membership> decode(const storage::Record& r) { return membership_from(r); }
  static std::string id(const Membership& v) { return v.record_id(); }
  static std::string tombstone(const Membership& v) { return tombstone_data(v); }
};
template <> struct Traits<Note> {
  static constexpr Resource kResource = Resource::kNote;
  static std::uint8_t kind(const auto&) { return kind_of(Resource::kNote); }
  static Result<Note> decode(const storage::Record& r) { return note_from(r); }
  static std::string id(const Note& v) { return v.id; }
  static std::string tombstone(const Note&) { return tombstone_data(); }
};
template <> struct Traits<ReadingSession> {
  static constexpr Resource kResource = Resource::kReadingSession;
  static std::uint8_t kind(const auto&) { return kind_of(Resource::kReadingSession); }
  static Result<ReadingSession> decode(const storage::Record& r) { return reading_session_from(r); }
  static std::string id(const ReadingSession& v) { return v.id; }
  static std::string tombstone(const ReadingSession&) { return tombstone_data(); }
};

// A declared record's kind is its type's (schema.hpp); it is read through its type's registry,
// never through ResourceView::get.
template <> struct Traits<DeclaredRecord> {
  static std::uint8_t kind(const DeclaredRecord& v) { return v.type->kind; }
  static std::string id(const DeclaredRecord& v) { return v.id; }
  static std::string tombstone(const DeclaredRecord&) { return tombstone_data(); }
};

}  // namespace synclog::domain::detail
