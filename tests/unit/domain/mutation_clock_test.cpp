// The per-user mutation clock: ts = max(now, head + 1), strictly increasing, never backwards
// when the wall clock steps back.
#include "domain/mutation_clock.hpp"

#include <gtest/gtest.h>

namespace synclog::domain {
namespace {

TEST(MutationClockTest, FirstTsIsNowWhenNowIsAheadOfTheHead) {
  MutationClock c(/*now_ms=*/5000, /*head=*/1000);
  EXPECT_EQ(c.next(), 5000);
  EXPECT_EQ(c.head(), 5000);
}

TEST(MutationClockTest, TsWithinOneMillisecondAreConsecutive) {
  MutationClock c(5000, 1000);
  EXPECT_EQ(c.next(), 5000);
  EXPECT_EQ(c.next(), 5001);
  EXPECT_EQ(c.next(), 5002);
  EXPECT_EQ(c.head(), 5002);
}

TEST(MutationClockTest, TsIsHeadPlusOneWhenNowEqualsTheHead) {
  MutationClock c(1000, 1000);
  EXPECT_EQ(c.next(), 1001);
}

TEST(MutationClockTest, NeverGoesBackwardsWhenTheWallClockStepsBack) {
  // The wall clock says 900 but the user's head is already 1000 (NTP stepped back).
  MutationClock c(900, 1000);
  EXPECT_EQ(c.head(), 1000);
  EXPECT_EQ(c.next(), 1001);
  EXPECT_EQ(c.next(), 1002);
  // A later batch, with the wall clock still behind, continues from the head.
  MutationClock later(950, c.head());
  EXPECT_EQ(later.next(), 1003);
}

TEST(MutationClockTest, HeadIsUnchangedUntilATsIsTaken) {
  MutationClock c(5000, 1000);
  EXPECT_EQ(c.head(), 1000);
}

TEST(MutationClockTest, ManyTsAreStrictlyIncreasing) {
  MutationClock c(100, 50);
  std::int64_t prev = c.head();
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t ts = c.next();
    ASSERT_GT(ts, prev);
    prev = ts;
  }
  EXPECT_EQ(c.head(), prev);
}

}  // namespace
}  // namespace synclog::domain
