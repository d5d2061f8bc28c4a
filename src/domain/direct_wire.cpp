// Direct representations, written in the upstream examples' key order.
#include "domain/direct_wire.hpp"

#include "common/json_text.hpp"
#include "common/time_format.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

void put_bookmark_fields(JsonObjectWriter& w, const Bookmark& b, std::string_view type_key,
                         std::string_view group_key) {
  w.str("id", b.id).str("createdAt", format_iso8601_ms(b.created_ts))
      .str(type_key, bookmark_kind_name(b.details.kind)).num("key", b.details.key);
  if (b.details.verse) {
    w.num("verseNumber", *b.details.verse);
  } else {
    w.null("verseNumber");
  }
  w.str(group_key, b.details.group()).boolean("isInDefaultCollection", b.in_default)
      .boolean("isReading", b.is_reading);
}

void put_counts(JsonObjectWriter& w, int bookmarks) {
  w.num("bookmarksCount", bookmarks).num("resourcesCount", bookmarks).num("count", bookmarks);
}

}  // namespace

std::string bookmark_json(const Bookmark& b, int collections_count) {
  JsonObjectWriter w;
  put_bookmark_fields(w, b, "type", "group");
  w.num("collectionsCount", collections_count);
  return std::move(w).finish();
}

std::string raw_bookmark_json(const Bookmark& b) {
  JsonObjectWriter w;
  put_bookmark_fields(w, b, "bookmarkType", "bookmarkGroup");
  return std::move(w).finish();
}

std::string collection_json(const Collection& c, int bookmarks_count) {
  JsonObjectWriter w;
  w.str("id", c.id).str("name", c.name).str("slug", c.slug).boolean("isPrivate", c.is_private)
      .boolean("isDefault", false).boolean("isSystem", false)
      .str("updatedAt", format_iso8601_ms(c.version));
  put_counts(w, bookmarks_count);
  return std::move(w).finish();
}

std::string favorites_collection_json(int bookmarks_count, std::int64_t updated_ms) {
  JsonObjectWriter w;
  w.str("id", kDefaultCollectionId).str("name", "Favorites").str("slug", "favorites")
      .boolean("isPrivate", true).boolean("isDefault", true).boolean("isSystem", true);
  if (updated_ms > 0) {
    w.str("updatedAt", format_iso8601_ms(updated_ms));
  } else {
    w.null("updatedAt");
  }
  put_counts(w, bookmarks_count);
  return std::move(w).finish();
}

std::string note_json(const Note& n) {
  JsonObjectWriter w;
  w.str("id", n.id).str("createdAt", format_iso8601_ms(n.created_ts))
      .str("updatedAt", format_iso8601_ms(n.version)).str("body", n.body).str("source", n.source)
      .raw("attachedEntities", entities_json(n.entities)).raw("ranges", ranges_json(n.ranges));
  return std::move(w).finish();
}

std::string reading_session_json(const ReadingSession& s) {
  JsonObjectWriter w;
  w.str("id", s.id).str("updatedAt", format_iso8601_ms(s.version)).num("chapterNumber", s.chapter)
      .num("verseNumber", s.verse);
  return std::move(w).finish();
}

std::string success_body(std::string_view data_json) {
  std::string out = R"({"success":true,"data":)";
  out.append(data_json);
  out.push_back('}');
  return out;
}

std::string success_body(std::string_view data_json, std::string_view pagination_json) {
  std::string out = R"({"success":true,"data":)";
  out.append(data_json);
  out.append(R"(,"pagination":)");
  out.append(pagination_json);
  out.push_back('}');
  return out;
}

std::string message_body(std::string_view message) {
  JsonObjectWriter w;
  w.str("message", message);
  return success_body(std::move(w).finish());
}

}  // namespace synclog::domain
