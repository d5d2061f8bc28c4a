// The `data` each resource shows in pulls: exactly the documented keys per resource (a strict
// client rejects unknown ones), values in wire form, client times as ISO 8601 UTC, and
// tombstones that carry identifying fields only.
#include "domain/wire.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace synclog::domain {
namespace {

namespace json = boost::json;

// 2026-01-02T01:04:05Z and 2025-06-30T23:30:00Z
constexpr std::int64_t kCreatedMs = 1767315845000;
constexpr std::int64_t kUpdatedMs = 1751326200000;

std::set<std::string> keys_of(const std::string& text) {
  std::set<std::string> keys;
  const json::value v = json::parse(text);
  for (const auto& kv : v.as_object()) keys.emplace(kv.key());
  return keys;
}

json::object parsed(const std::string& text) { return json::parse(text).as_object(); }

ClientStamps stamps() { return ClientStamps{kCreatedMs, kUpdatedMs}; }

TEST(WireTest, AyahBookmarkKeys) {
  Bookmark b;
  b.id = "b1";
  b.details.kind = BookmarkKind::kAyah;
  b.details.key = 2;
  b.details.verse = 255;
  b.client = stamps();
  EXPECT_EQ(keys_of(wire_data(b)),
            (std::set<std::string>{"type", "bookmarkType", "bookmarkGroup", "key", "verseNumber",
                                   "isInDefaultCollection", "isReading", "clientCreatedAt",
                                   "clientUpdatedAt"}));
}

TEST(WireTest, BookmarkValues) {
  Bookmark b;
  b.details.kind = BookmarkKind::kAyah;
  b.details.key = 2;
  b.details.verse = 255;
  b.details.mushaf = 4;
  b.in_default = true;
  b.is_reading = false;
  b.client = stamps();
  const auto o = parsed(wire_data(b));
  EXPECT_EQ(o.at("type").as_string(), "ayah");
  EXPECT_EQ(o.at("bookmarkType").as_string(), "ayah");
  EXPECT_EQ(o.at("bookmarkGroup").as_string(), "verses_6236");
  EXPECT_EQ(o.at("key").as_int64(), 2);
  EXPECT_EQ(o.at("verseNumber").as_int64(), 255);
  EXPECT_EQ(o.at("mushaf").as_int64(), 4);
  EXPECT_TRUE(o.at("isInDefaultCollection").as_bool());
  EXPECT_FALSE(o.at("isReading").as_bool());
  EXPECT_EQ(o.at("clientCreatedAt").as_string(), "2026-01-02T01:04:05.000Z");
  EXPECT_EQ(o.at("clientUpdatedAt").as_string(), "2025-06-30T23:30:00.000Z");
}

TEST(WireTest, NonAyahBookmarkHasNoVerseAndMushafOnlyWhenKnown) {
  Bookmark b;
  b.details.kind = BookmarkKind::kPage;
  b.details.key = 600;
  b.details.mushaf = 3;
  const auto o = parsed(wire_data(b));
  EXPECT_FALSE(o.contains("verseNumber"));
  EXPECT_EQ(o.at("bookmarkGroup").as_string(), "pages_610");
  EXPECT_EQ(o.at("mushaf").as_int64(), 3);

  b.details.kind = BookmarkKind::kSurah;
  b.details.key = 1;
  b.details.mushaf.reset();
  const auto s = parsed(wire_data(b));
  EXPECT_FALSE(s.contains("verseNumber"));
  EXPECT_FALSE(s.contains("mushaf"));
  EXPECT_EQ(s.at("bookmarkType").as_string(), "surah");
}

TEST(WireTest, CollectionKeysAndValues) {
  Collection c;
  c.id = "c1";
  c.name = "Du\"as";
  c.slug = "du-as";
  c.is_private = true;
  c.client = stamps();
  const auto text = wire_data(c);
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"name", "slug", "isPrivate", "clientCreatedAt",
                                                   "clientUpdatedAt"}));
  const auto o = parsed(text);
  EXPECT_EQ(o.at("name").as_string(), "Du\"as");
  EXPECT_EQ(o.at("slug").as_string(), "du-as");
  EXPECT_TRUE(o.at("isPrivate").as_bool());
}

TEST(WireTest, MembershipKeysAndValues) {
  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b1";
  m.client = stamps();
  const auto text = wire_data(m);
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"collectionId", "bookmarkId", "clientCreatedAt",
                                                   "clientUpdatedAt"}));
  EXPECT_EQ(parsed(text).at("collectionId").as_string(), "c1");
  EXPECT_EQ(parsed(text).at("bookmarkId").as_string(), "b1");
}

TEST(WireTest, NoteKeysAndValues) {
  Note n;
  n.id = "n1";
  n.body = "line one\nline \"two\"";
  n.ranges = {"2:255-2:257", "1:1-1:7"};
  n.source = "quran-android";
  n.entities.push_back(AttachedEntity{"r1", "reflection", R"({"k":1})"});
  n.entities.push_back(AttachedEntity{"r2", "reflection", ""});
  n.client = stamps();
  const auto text = wire_data(n);
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"body", "ranges", "source", "attachedEntities",
                                                   "clientCreatedAt", "clientUpdatedAt"}));
  const auto o = parsed(text);
  EXPECT_EQ(o.at("body").as_string(), "line one\nline \"two\"");
  EXPECT_EQ(o.at("ranges"), json::parse(R"(["2:255-2:257","1:1-1:7"])"));
  EXPECT_EQ(o.at("source").as_string(), "quran-android");
  EXPECT_EQ(o.at("attachedEntities"),
            json::parse(R"([{"entityId":"r1","entityType":"reflection","entityMetadata":{"k":1}},
                            {"entityId":"r2","entityType":"reflection","entityMetadata":{}}])"));
}

TEST(WireTest, NoteWithoutRangesOrEntitiesHasEmptyArrays) {
  Note n;
  n.body = "abcdef";
  const auto o = parsed(wire_data(n));
  EXPECT_TRUE(o.at("ranges").as_array().empty());
  EXPECT_TRUE(o.at("attachedEntities").as_array().empty());
}

TEST(WireTest, ReadingSessionKeysAndValues) {
  ReadingSession s;
  s.chapter = 18;
  s.verse = 10;
  s.client = stamps();
  const auto text = wire_data(s);
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"chapterNumber", "verseNumber", "clientCreatedAt",
                                                   "clientUpdatedAt"}));
  EXPECT_EQ(parsed(text).at("chapterNumber").as_int64(), 18);
  EXPECT_EQ(parsed(text).at("verseNumber").as_int64(), 10);
}

TEST(WireTest, TombstonesCarryIdentifyingFieldsOnly) {
  EXPECT_EQ(tombstone_data(), "{}");
  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b1";
  m.client = stamps();
  const auto text = tombstone_data(m);
  EXPECT_EQ(keys_of(text), (std::set<std::string>{"collectionId", "bookmarkId"}));
  EXPECT_EQ(parsed(text).at("collectionId").as_string(), "c1");
  EXPECT_EQ(parsed(text).at("bookmarkId").as_string(), "b1");
}

}  // namespace
}  // namespace synclog::domain
