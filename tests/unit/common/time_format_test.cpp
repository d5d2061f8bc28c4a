// ISO 8601 parsing and formatting of client times.
#include "common/time_format.hpp"

#include <gtest/gtest.h>

namespace synclog {
namespace {

TEST(TimeFormatTest, ParsesUtcWithMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("2026-05-19T10:15:30.000Z"), 1779185730000);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.123Z"), 123);
}

TEST(TimeFormatTest, AppliesOffsetsToReachUtc) {
  // 12:15:30 at +02:00 is 10:15:30 UTC.
  EXPECT_EQ(parse_iso8601_ms("2026-05-19T12:15:30.000+02:00"), parse_iso8601_ms("2026-05-19T10:15:30Z"));
  EXPECT_EQ(parse_iso8601_ms("2026-05-19T05:15:30-0500"), parse_iso8601_ms("2026-05-19T10:15:30Z"));
  EXPECT_EQ(parse_iso8601_ms("2026-05-19T15:45:30+05:30"), parse_iso8601_ms("2026-05-19T10:15:30Z"));
  EXPECT_EQ(parse_iso8601_ms("2026-05-19T11:15:30+01"), parse_iso8601_ms("2026-05-19T10:15:30Z"));
}

TEST(TimeFormatTest, OffsetsAcrossADstChangeCompareByInstant) {
  // Europe/Berlin leaves summer time on 2026-10-25 at 03:00 +02:00 -> 02:00 +01:00: the wall
  // clock repeats 02:xx, but the offsets keep the instants ordered.
  const auto before = parse_iso8601_ms("2026-10-25T02:30:00+02:00");
  const auto after = parse_iso8601_ms("2026-10-25T02:10:00+01:00");
  ASSERT_TRUE(before && after);
  EXPECT_LT(*before, *after);
}

TEST(TimeFormatTest, TruncatesFractionsBeyondMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.123999Z"), 123);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00.5Z"), 500);
}

TEST(TimeFormatTest, AcceptsDateOnlyAsUtcMidnight) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-02"), 86400000);
}

TEST(TimeFormatTest, RejectsAmbiguousOrImpossibleTimes) {
  EXPECT_FALSE(parse_iso8601_ms("2026-05-19T10:15:30"));  // no offset: local to whom?
  EXPECT_FALSE(parse_iso8601_ms("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2026-05-19T24:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2026-05-19T10:15:30+25:00"));
  EXPECT_FALSE(parse_iso8601_ms("2026-05-19T10:15:30Zjunk"));
  EXPECT_FALSE(parse_iso8601_ms("yesterday"));
  EXPECT_FALSE(parse_iso8601_ms(""));
}

TEST(TimeFormatTest, LeapDaysAreValidOnlyInLeapYears) {
  EXPECT_TRUE(parse_iso8601_ms("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2025-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601_ms("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("1900-02-29T00:00:00Z"));
}

TEST(TimeFormatTest, FormatsAsIsoUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1779185730123), "2026-05-19T10:15:30.123Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601_ms(kMaxEpochMs), "9999-12-31T23:59:59.999Z");
}

TEST(TimeFormatTest, RoundTripsEveryDayOfAFourHundredYearCycle) {
  for (std::int64_t day = -146097; day < 146097; day += 7) {
    const std::int64_t ms = day * 86400000 + 45296789;
    const auto text = format_iso8601_ms(ms);
    ASSERT_EQ(parse_iso8601_ms(text), ms) << text;
  }
}

}  // namespace
}  // namespace synclog
