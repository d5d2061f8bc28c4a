// The domain model's derived values: bookmark kinds, groups and identities (what makes two
// bookmarks the same bookmark), membership ids, and collection slugs.
#include "domain/model.hpp"

#include <gtest/gtest.h>

namespace synclog::domain {
namespace {

BookmarkDetails details(BookmarkKind kind, int key, std::optional<int> verse = std::nullopt,
                        std::optional<int> mushaf = std::nullopt) {
  BookmarkDetails d;
  d.kind = kind;
  d.key = key;
  d.verse = verse;
  d.mushaf = mushaf;
  return d;
}

TEST(ModelTest, BookmarkKindNamesRoundTrip) {
  for (auto k : {BookmarkKind::kAyah, BookmarkKind::kSurah, BookmarkKind::kJuz, BookmarkKind::kPage}) {
    EXPECT_EQ(parse_bookmark_kind(bookmark_kind_name(k)), k);
  }
  EXPECT_EQ(bookmark_kind_name(BookmarkKind::kAyah), "ayah");
  EXPECT_EQ(bookmark_kind_name(BookmarkKind::kPage), "page");
  EXPECT_FALSE(parse_bookmark_kind("Ayah").has_value());
  EXPECT_FALSE(parse_bookmark_kind("verse").has_value());
  EXPECT_FALSE(parse_bookmark_kind("").has_value());
}

TEST(ModelTest, GroupsFollowTheUpstreamNames) {
  EXPECT_EQ(details(BookmarkKind::kAyah, 2, 255).group(), "verses_6236");
  EXPECT_EQ(details(BookmarkKind::kSurah, 2).group(), "surahs_114");
  EXPECT_EQ(details(BookmarkKind::kJuz, 2).group(), "juzs_30");
  EXPECT_EQ(details(BookmarkKind::kPage, 2).group(), "pages_604");
  EXPECT_EQ(details(BookmarkKind::kPage, 2, std::nullopt, 1).group(), "pages_604");
  EXPECT_EQ(details(BookmarkKind::kPage, 2, std::nullopt, 3).group(), "pages_610");
  EXPECT_EQ(details(BookmarkKind::kPage, 2, std::nullopt, 7).group(), "pages_548");
}

TEST(ModelTest, AyahIdentityIgnoresTheMushaf) {
  EXPECT_EQ(details(BookmarkKind::kAyah, 2, 255).identity(),
            details(BookmarkKind::kAyah, 2, 255, 4).identity());
  EXPECT_EQ(details(BookmarkKind::kAyah, 2, 255, 1).identity(),
            details(BookmarkKind::kAyah, 2, 255, 7).identity());
}

TEST(ModelTest, PageIdentityDependsOnThePageLayout) {
  // Same layout (604 pages): the same bookmark.
  EXPECT_EQ(details(BookmarkKind::kPage, 10, std::nullopt, 1).identity(),
            details(BookmarkKind::kPage, 10, std::nullopt, 4).identity());
  EXPECT_EQ(details(BookmarkKind::kPage, 10).identity(),
            details(BookmarkKind::kPage, 10, std::nullopt, 2).identity());
  // Page 10 of a 610-page mushaf is another place in the Quran.
  EXPECT_NE(details(BookmarkKind::kPage, 10, std::nullopt, 1).identity(),
            details(BookmarkKind::kPage, 10, std::nullopt, 3).identity());
}

TEST(ModelTest, IdentityDistinguishesKindKeyAndVerse) {
  const auto base = details(BookmarkKind::kAyah, 2, 255).identity();
  EXPECT_NE(base, details(BookmarkKind::kAyah, 2, 256).identity());
  EXPECT_NE(base, details(BookmarkKind::kAyah, 3, 255).identity());
  EXPECT_NE(details(BookmarkKind::kSurah, 2).identity(), details(BookmarkKind::kJuz, 2).identity());
  EXPECT_NE(details(BookmarkKind::kJuz, 2).identity(), details(BookmarkKind::kPage, 2).identity());
  // "1:11" vs "11:1" must not collide.
  EXPECT_NE(details(BookmarkKind::kAyah, 1, 11).identity(), details(BookmarkKind::kAyah, 11, 1).identity());
}

TEST(ModelTest, MembershipIdsUseSlashInternallyAndDashOnTheWire) {
  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b-2";
  EXPECT_EQ(m.record_id(), "c1/b-2");
  EXPECT_EQ(m.wire_id(), "c1-b-2");
}

TEST(ModelTest, SlugifyLowercasesAndJoinsWordsWithSingleDashes) {
  EXPECT_EQ(slugify("My Favourite Du'as"), "my-favourite-du-as");
  EXPECT_EQ(slugify("Hello,   World!"), "hello-world");
  EXPECT_EQ(slugify("ABC123"), "abc123");
  EXPECT_EQ(slugify("a_b-c.d"), "a-b-c-d");
}

TEST(ModelTest, SlugifyDropsLeadingAndTrailingSeparators) {
  EXPECT_EQ(slugify("  --Juz Amma--  "), "juz-amma");
  EXPECT_EQ(slugify("!x!"), "x");
}

TEST(ModelTest, SlugifyKeepsNonAsciiText) {
  EXPECT_EQ(slugify("سورة البقرة"), "سورة-البقرة");
  EXPECT_EQ(slugify("Café Notes"), "café-notes");
}

TEST(ModelTest, SlugifyOfNothingUsableIsEmpty) {
  EXPECT_EQ(slugify(""), "");
  EXPECT_EQ(slugify("  !!! --- "), "");
}

}  // namespace
}  // namespace synclog::domain
