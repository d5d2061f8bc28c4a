// The state of each synced resource as the domain sees it. How it is stored is in
// model_codec.hpp; how it appears on the wire is in wire.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::domain {

// When one field of a resource last changed (the ts of that write) and which client (its
// x-client-id) changed it. conflictMode=field judges clashes by them (field_stamps.hpp). In a
// space's log also who (the person) changed it and when their device captured the change (its
// clientUpdatedAt, UTC ms): the same person's edits from two devices settle by capture time.
struct FieldStamp {
  FieldStamp() = default;
  FieldStamp(std::int64_t t, std::string b, std::string p = {}, std::int64_t c = 0)
      : ts(t), by(std::move(b)), person(std::move(p)), captured(c) {}
  std::int64_t ts = 0;
  std::string by;
  std::string person;        // spaces only
  std::int64_t captured = 0;  // spaces only
};

// A resource's field stamps, one per field of its type (field_stamps.hpp lists them), and the
// fields' values as they were read from storage, so that a save can tell which fields it
// changed. `loaded` is empty for a resource that was not read (a new one).
struct FieldStamps {
  std::vector<FieldStamp> at;
  std::vector<std::string> loaded;
};

// The two client-local times every resource carries, normalised to UTC milliseconds.
struct ClientStamps {
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

enum class BookmarkKind : std::uint8_t { kAyah, kSurah, kJuz, kPage };
std::string_view bookmark_kind_name(BookmarkKind k);  // "ayah", "surah", "juz", "page"
std::optional<BookmarkKind> parse_bookmark_kind(std::string_view name);

// What a bookmark points at. Two bookmarks with the same identity are the same bookmark: a
// CREATE with matching details updates the existing one.
struct BookmarkDetails {
  BookmarkKind kind = BookmarkKind::kAyah;
  int key = 0;                // surah, juz or page number
  std::optional<int> verse;   // ayah bookmarks only
  std::optional<int> mushaf;  // the edition the client used, if it said
  // "verses_6236", "surahs_114", "juzs_30" or "pages_<count>" (page counts differ by mushaf).
  std::string group() const;
  // kind, key, verse and group: the bookmark's identity key.
  std::string identity() const;
};

struct Bookmark {
  std::string id;
  BookmarkDetails details;
  bool in_default = false;  // member of the virtual Favorites collection ("__default__")
  bool is_reading = false;  // the user's single reading bookmark
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;  // client id of the last writer
  FieldStamps stamps;
};

struct Collection {
  std::string id;
  std::string name;
  std::string slug;
  bool is_private = true;
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;
  FieldStamps stamps;
};

// The virtual Favorites collection's id. It has no row; membership is Bookmark::in_default.
inline constexpr std::string_view kDefaultCollectionId = "__default__";

// A bookmark's membership of a (real) collection.
struct Membership {
  std::string collection_id;
  std::string bookmark_id;
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;
  FieldStamps stamps;  // none: a membership has no fields, only its existence
  // Internal record id: '/' cannot occur in ids, so it is unambiguous.
  std::string record_id() const { return collection_id + "/" + bookmark_id; }
  // The upstream composite id, "<collectionId>-<bookmarkId>".
  std::string wire_id() const { return collection_id + "-" + bookmark_id; }
};

struct AttachedEntity {
  std::string entity_id;
  std::string entity_type;    // "reflection"
  std::string metadata_json;  // a serialised JSON object, or empty
};

struct Note {
  std::string id;
  std::string body;
  std::vector<std::string> ranges;  // "c:v-c:v", validated
  bool save_to_qr = false;
  std::string source;  // the client id that created the note
  std::vector<AttachedEntity> entities;
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;
  FieldStamps stamps;
};

struct ReadingSession {
  std::string id;
  int chapter = 0;
  int verse = 0;
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;
  FieldStamps stamps;
};

// Lower-case ASCII letters and digits with single dashes between words; other UTF-8 text is
// kept; empty when nothing usable remains.
std::string slugify(std::string_view name);

}  // namespace synclog::domain
