// Per-user token buckets: a burst is allowed at once, then requests are refused with a
// Retry-After of at least one second until the bucket refills at the configured rate; users
// do not share buckets.
#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace synclog::http {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::steady_clock::time_point;

const Time kT0 = std::chrono::steady_clock::time_point{} + 1000h;

TEST(RateLimiterTest, AllowsABurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(/*rate=*/1.0, /*burst=*/3.0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  const std::int64_t retry = limiter.acquire_at("alice", kT0);
  EXPECT_GE(retry, 1);
  EXPECT_EQ(retry, 1);  // one token per second: the next one is a second away
}

// The early answer to a request whose body is still arriving asks without taking a token, so a
// request is charged once, when it is handled whole.
TEST(RateLimiterTest, WouldWaitAsksWithoutTakingAToken) {
  RateLimiter limiter(1.0, 2.0);
  EXPECT_EQ(limiter.would_wait_at("alice", kT0), 0);  // no bucket yet: a full one
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_EQ(limiter.would_wait_at("alice", kT0), 0);
  EXPECT_EQ(limiter.would_wait_at("alice", kT0), 0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);  // asking twice took nothing
  EXPECT_EQ(limiter.would_wait_at("alice", kT0), 1);
  EXPECT_EQ(limiter.would_wait_at("alice", kT0 + 1s), 0);  // refilled meanwhile
  EXPECT_EQ(RateLimiter(0, 1).would_wait_at("alice", kT0), 0);  // disabled
}

TEST(RateLimiterTest, RefillsAtTheConfiguredRate) {
  RateLimiter limiter(2.0, 2.0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_GE(limiter.acquire_at("alice", kT0), 1);
  // Half a second later one token (2/s) is back, not two.
  EXPECT_EQ(limiter.acquire_at("alice", kT0 + 500ms), 0);
  EXPECT_GE(limiter.acquire_at("alice", kT0 + 500ms), 1);
  // A long pause refills only up to the burst.
  EXPECT_EQ(limiter.acquire_at("alice", kT0 + 1h), 0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0 + 1h), 0);
  EXPECT_GE(limiter.acquire_at("alice", kT0 + 1h), 1);
}

TEST(RateLimiterTest, RetryAfterCoversTheTimeToTheNextToken) {
  RateLimiter slow(/*rate=*/0.25, /*burst=*/1.0);  // one request every 4 s
  EXPECT_EQ(slow.acquire_at("alice", kT0), 0);
  EXPECT_EQ(slow.acquire_at("alice", kT0), 4);
  EXPECT_EQ(slow.acquire_at("alice", kT0 + 3s), 1);
  EXPECT_EQ(slow.acquire_at("alice", kT0 + 4s), 0);
}

TEST(RateLimiterTest, RetryAfterIsAtLeastOneSecondEvenAtHighRates) {
  RateLimiter fast(1000.0, 1.0);
  EXPECT_EQ(fast.acquire_at("alice", kT0), 0);
  EXPECT_EQ(fast.acquire_at("alice", kT0), 1);
}

TEST(RateLimiterTest, UsersHaveTheirOwnBuckets) {
  RateLimiter limiter(1.0, 1.0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_GE(limiter.acquire_at("alice", kT0), 1);
  EXPECT_EQ(limiter.acquire_at("bob", kT0), 0);
}

TEST(RateLimiterTest, NonPositiveRateDisablesLimiting) {
  RateLimiter off(0.0, 1.0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(off.acquire_at("alice", kT0), 0);
}

TEST(RateLimiterTest, BurstBelowOneStillAllowsOneRequest) {
  RateLimiter limiter(1.0, 0.0);
  EXPECT_EQ(limiter.acquire_at("alice", kT0), 0);
  EXPECT_GE(limiter.acquire_at("alice", kT0), 1);
}

}  // namespace
}  // namespace synclog::http
