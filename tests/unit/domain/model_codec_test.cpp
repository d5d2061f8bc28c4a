// How resources are kept in storage records: every field survives a round trip, lookup keys
// (bookmark identity, the reading flag, membership ends) land in k1/k2, and records that do
// not decode are reported as internal errors rather than guessed at.
#include "domain/model_codec.hpp"

#include <gtest/gtest.h>

#include "domain/resource.hpp"

namespace synclog::domain {
namespace {

TEST(ModelCodecTest, BookmarkRoundTripsWithIdentityAndReadingKeys) {
  Bookmark b;
  b.id = "b1";
  b.details.kind = BookmarkKind::kAyah;
  b.details.key = 2;
  b.details.verse = 255;
  b.details.mushaf = 4;
  b.in_default = true;
  b.is_reading = true;
  b.client = ClientStamps{111, 222};
  b.created_ts = 1000;
  b.version = 2000;
  b.modified_by = "device-a";
  const auto r = to_record(b);
  EXPECT_EQ(r.kind, static_cast<std::uint8_t>(Resource::kBookmark));
  EXPECT_EQ(r.id, "b1");
  EXPECT_EQ(r.k1, b.details.identity());
  EXPECT_EQ(r.k2, kReadingBookmarkKey);
  const auto back = bookmark_from(r);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, "b1");
  EXPECT_EQ(back->details.identity(), b.details.identity());
  EXPECT_EQ(back->details.mushaf, 4);
  EXPECT_EQ(back->details.verse, 255);
  EXPECT_TRUE(back->in_default);
  EXPECT_TRUE(back->is_reading);
  EXPECT_EQ(back->client.created_ms, 111);
  EXPECT_EQ(back->client.updated_ms, 222);
  EXPECT_EQ(back->created_ts, 1000);
  EXPECT_EQ(back->version, 2000);
  EXPECT_EQ(back->modified_by, "device-a");
}

TEST(ModelCodecTest, NonReadingBookmarkHasNoReadingKey) {
  Bookmark b;
  b.id = "b1";
  b.details.kind = BookmarkKind::kSurah;
  b.details.key = 1;
  const auto r = to_record(b);
  EXPECT_TRUE(r.k2.empty());
  const auto back = bookmark_from(r);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->details.verse.has_value());
  EXPECT_FALSE(back->details.mushaf.has_value());
  EXPECT_FALSE(back->is_reading);
}

TEST(ModelCodecTest, CollectionRoundTrips) {
  Collection c;
  c.id = "c1";
  c.name = "Name \"quoted\"";
  c.slug = "name-quoted";
  c.is_private = false;
  c.client = ClientStamps{1, 2};
  c.modified_by = "x";
  const auto back = collection_from(to_record(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->name, c.name);
  EXPECT_EQ(back->slug, c.slug);
  EXPECT_FALSE(back->is_private);
  EXPECT_EQ(back->client.updated_ms, 2);
}

TEST(ModelCodecTest, MembershipIsKeyedByBothEnds) {
  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b1";
  const auto r = to_record(m);
  EXPECT_EQ(r.id, "c1/b1");
  EXPECT_EQ(r.k1, "c1");
  EXPECT_EQ(r.k2, "b1");
  const auto back = membership_from(r);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->collection_id, "c1");
  EXPECT_EQ(back->bookmark_id, "b1");
}

TEST(ModelCodecTest, NoteRoundTripsRangesAndEntities) {
  Note n;
  n.id = "n1";
  n.body = "body text";
  n.ranges = {"1:1-1:7", "2:255-2:257"};
  n.save_to_qr = true;
  n.source = "app";
  n.entities.push_back(AttachedEntity{"r1", "reflection", R"({"a":[1,2]})"});
  const auto back = note_from(to_record(n));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->body, "body text");
  EXPECT_EQ(back->ranges, n.ranges);
  EXPECT_TRUE(back->save_to_qr);
  EXPECT_EQ(back->source, "app");
  ASSERT_EQ(back->entities.size(), 1u);
  EXPECT_EQ(back->entities[0].entity_id, "r1");
  EXPECT_EQ(back->entities[0].entity_type, "reflection");
}

// Found by fuzz/push_body_fuzzer.cpp: Boost.JSON 1.81 read some decimals a unit in the last
// place off, so a number in a note's metadata came back from storage as another.
TEST(ModelCodecTest, Regression_MetadataNumbersComeBackExactly) {
  Note n;
  n.id = "n1";
  n.body = "body text";
  n.ranges = {"1:1-1:7"};
  n.entities.push_back(AttachedEntity{"r1", "reflection", R"({"lat":-9.146229953197121,"x":1.3333333333333335E110})"});
  const auto back = note_from(to_record(n));
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->entities.size(), 1u);
  EXPECT_EQ(back->entities[0].metadata_json, R"({"lat":-9.146229953197121E0,"x":1.3333333333333335E110})");
}

TEST(ModelCodecTest, ReadingSessionRoundTrips) {
  ReadingSession s;
  s.id = "s1";
  s.chapter = 18;
  s.verse = 110;
  const auto back = reading_session_from(to_record(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->chapter, 18);
  EXPECT_EQ(back->verse, 110);
}

TEST(ModelCodecTest, CorruptRecordsAreInternalErrors) {
  storage::Record r;
  r.kind = static_cast<std::uint8_t>(Resource::kBookmark);
  r.id = "b1";
  for (const char* bad : {"", "not json", "[]", R"({"kind":"verse","key":1})", R"({"kind":"ayah"})",
                          R"({"kind":"ayah","key":"1","inDefault":false,"reading":false,
                              "clientCreatedAt":0,"clientUpdatedAt":0,"modifiedBy":""})"}) {
    r.data = bad;
    const auto b = bookmark_from(r);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().code, ErrorCode::kInternal);
  }
  r.data = "{}";
  EXPECT_FALSE(collection_from(r).ok());
  EXPECT_FALSE(membership_from(r).ok());
  EXPECT_FALSE(note_from(r).ok());
  EXPECT_FALSE(reading_session_from(r).ok());
}

}  // namespace
}  // namespace synclog::domain
