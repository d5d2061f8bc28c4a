// The Quran's structure as synclog validates references against it: ayah counts per surah,
// mushaf page counts, and note ranges "c:v-c:v".
#include "domain/quran.hpp"

#include <gtest/gtest.h>

namespace synclog::domain::quran {
namespace {

TEST(QuranTest, AyahCountsSumTo6236) {
  int total = 0;
  for (int s = 1; s <= kSurahCount; ++s) {
    EXPECT_GT(ayah_count(s), 0) << "surah " << s;
    total += ayah_count(s);
  }
  EXPECT_EQ(total, 6236);
  EXPECT_EQ(kAyahCount, 6236);
}

TEST(QuranTest, KnownSurahsHaveTheirHafsCounts) {
  EXPECT_EQ(ayah_count(1), 7);
  EXPECT_EQ(ayah_count(2), 286);
  EXPECT_EQ(ayah_count(9), 129);
  EXPECT_EQ(ayah_count(36), 83);
  EXPECT_EQ(ayah_count(103), 3);
  EXPECT_EQ(ayah_count(114), 6);
}

TEST(QuranTest, SurahsOutsideOneTo114HaveNoAyahs) {
  EXPECT_EQ(ayah_count(0), 0);
  EXPECT_EQ(ayah_count(-1), 0);
  EXPECT_EQ(ayah_count(115), 0);
}

TEST(QuranTest, AyahValidityFollowsTheSurahsCount) {
  EXPECT_TRUE(is_valid_ayah(1, 1));
  EXPECT_TRUE(is_valid_ayah(1, 7));
  EXPECT_FALSE(is_valid_ayah(1, 8));
  EXPECT_FALSE(is_valid_ayah(1, 0));
  EXPECT_FALSE(is_valid_ayah(1, -3));
  EXPECT_TRUE(is_valid_ayah(2, 286));
  EXPECT_FALSE(is_valid_ayah(2, 287));
  EXPECT_TRUE(is_valid_ayah(114, 6));
  EXPECT_FALSE(is_valid_ayah(114, 7));
  EXPECT_FALSE(is_valid_ayah(0, 1));
  EXPECT_FALSE(is_valid_ayah(115, 1));
}

TEST(QuranTest, OnlyTheUpstreamMushafIdsAreKnown) {
  for (int m : {1, 2, 3, 4, 5, 6, 7, 11, 19}) EXPECT_TRUE(is_known_mushaf(m)) << m;
  for (int m : {0, -1, 8, 9, 10, 12, 18, 20, 100}) EXPECT_FALSE(is_known_mushaf(m)) << m;
}

TEST(QuranTest, PageCountsDependOnTheMushaf) {
  EXPECT_EQ(page_count(std::nullopt), 604);
  EXPECT_EQ(page_count(1), 604);
  EXPECT_EQ(page_count(2), 604);
  EXPECT_EQ(page_count(4), 604);
  EXPECT_EQ(page_count(5), 604);
  EXPECT_EQ(page_count(11), 604);
  EXPECT_EQ(page_count(19), 604);
  EXPECT_EQ(page_count(3), 610);  // Indopak
  EXPECT_EQ(page_count(6), 610);  // Indopak 15 lines
  EXPECT_EQ(page_count(7), 548);  // Indopak 16 lines
}

TEST(QuranTest, ParseRangeAcceptsValidOrderedRanges) {
  const auto r = parse_range("2:255-2:257");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->from_surah, 2);
  EXPECT_EQ(r->from_ayah, 255);
  EXPECT_EQ(r->to_surah, 2);
  EXPECT_EQ(r->to_ayah, 257);

  EXPECT_TRUE(parse_range("1:1-114:6").has_value());   // the whole Quran
  EXPECT_TRUE(parse_range("2:255-2:255").has_value()); // a single ayah
  EXPECT_TRUE(parse_range("1:7-2:1").has_value());     // across a surah boundary
}

TEST(QuranTest, ParseRangeRejectsReversedRanges) {
  EXPECT_FALSE(parse_range("2:257-2:255").has_value());
  EXPECT_FALSE(parse_range("3:1-2:5").has_value());
}

TEST(QuranTest, ParseRangeRejectsAyahsThatDoNotExist) {
  EXPECT_FALSE(parse_range("1:8-1:8").has_value());
  EXPECT_FALSE(parse_range("1:1-1:8").has_value());
  EXPECT_FALSE(parse_range("0:1-1:1").has_value());
  EXPECT_FALSE(parse_range("1:0-1:1").has_value());
  EXPECT_FALSE(parse_range("115:1-115:2").has_value());
  EXPECT_FALSE(parse_range("114:1-114:7").has_value());
}

TEST(QuranTest, ParseRangeRejectsMalformedText) {
  for (const char* bad : {"", "2:255", "2:255-", "2:255-2", "2-255:2-257", "2:255-2:257 ",
                          " 2:255-2:257", "2:255 - 2:257", "a:b-c:d", "-1:1-1:1", "2:255-2:257-2:258",
                          "1234:1-1:1", "2:2555-2:2556", "2.0:1-2:3", "2:+1-2:3", "2:255_2:257"}) {
    EXPECT_FALSE(parse_range(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(QuranTest, RangesKnowWhatTheyContainAndOverlap) {
  const auto r = *parse_range("2:255-3:10");
  EXPECT_TRUE(r.contains(2, 255));
  EXPECT_TRUE(r.contains(2, 286));
  EXPECT_TRUE(r.contains(3, 1));
  EXPECT_TRUE(r.contains(3, 10));
  EXPECT_FALSE(r.contains(2, 254));
  EXPECT_FALSE(r.contains(3, 11));

  EXPECT_TRUE(r.overlaps(*parse_range("3:10-3:20")));   // touches the end
  EXPECT_TRUE(r.overlaps(*parse_range("1:1-2:255")));   // touches the start
  EXPECT_TRUE(r.overlaps(*parse_range("2:260-2:261"))); // inside
  EXPECT_TRUE(r.overlaps(*parse_range("1:1-114:6")));   // around
  EXPECT_FALSE(r.overlaps(*parse_range("3:11-3:20")));
  EXPECT_FALSE(r.overlaps(*parse_range("1:1-2:254")));
}

}  // namespace
}  // namespace synclog::domain::quran
