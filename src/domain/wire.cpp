// Wire data for pulls. Written by hand in a fixed key order: entries are stored in this form
// and a pull only concatenates them.
#include "domain/wire.hpp"

#include "common/json_text.hpp"
#include "common/time_format.hpp"

namespace synclog::domain {
namespace {

std::string finish_with_stamps(JsonObjectWriter& w, const ClientStamps& c) {
  w.str("clientCreatedAt", format_iso8601_ms(c.created_ms))
      .str("clientUpdatedAt", format_iso8601_ms(c.updated_ms));
  return std::move(w).finish();
}

}  // namespace

std::string wire_data(const Bookmark& b) {
  JsonObjectWriter w;
  const auto kind = bookmark_kind_name(b.details.kind);
  // `type` is the push-side name and `bookmarkType` the pull-side one (A9): both are sent.
  w.str("type", kind).str("bookmarkType", kind).str("bookmarkGroup", b.details.group())
      .num("key", b.details.key);
  if (b.details.verse) w.num("verseNumber", *b.details.verse);
  if (b.details.mushaf) w.num("mushaf", *b.details.mushaf);
  w.boolean("isInDefaultCollection", b.in_default).boolean("isReading", b.is_reading);
  return finish_with_stamps(w, b.client);
}

std::string wire_data(const Collection& c) {
  JsonObjectWriter w;
  w.str("name", c.name).str("slug", c.slug).boolean("isPrivate", c.is_private);
  return finish_with_stamps(w, c.client);
}

std::string wire_data(const Membership& m) {
  JsonObjectWriter w;
  w.str("collectionId", m.collection_id).str("bookmarkId", m.bookmark_id);
  return finish_with_stamps(w, m.client);
}

std::string ranges_json(const std::vector<std::string>& ranges) { return json_string_array(ranges); }

std::string entities_json(const std::vector<AttachedEntity>& entities) {
  std::string out = "[";
  for (const auto& e : entities) {
    if (out.size() > 1) out.push_back(',');
    JsonObjectWriter w;
    w.str("entityId", e.entity_id).str("entityType", e.entity_type);
    w.raw("entityMetadata", e.metadata_json.empty() ? "{}" : e.metadata_json);
    out += std::move(w).finish();
  }
  out.push_back(']');
  return out;
}

std::string wire_data(const Note& n) {
  JsonObjectWriter w;
  w.str("body", n.body).raw("ranges", ranges_json(n.ranges)).str("source", n.source)
      .raw("attachedEntities", entities_json(n.entities));
  return finish_with_stamps(w, n.client);
}

std::string wire_data(const ReadingSession& s) {
  JsonObjectWriter w;
  w.num("chapterNumber", s.chapter).num("verseNumber", s.verse);
  return finish_with_stamps(w, s.client);
}

std::string tombstone_data() { return "{}"; }

std::string tombstone_data(const Membership& m) {
  JsonObjectWriter w;
  w.str("collectionId", m.collection_id).str("bookmarkId", m.bookmark_id);
  return std::move(w).finish();
}

}  // namespace synclog::domain
