// The key set that reads the key files again (key_set.hpp), on a ManualClock and a fake loader
// standing in for the files: an unknown kid reads them (at most once per min_interval however
// many tokens ask), the schedule reads them, a withdrawn key goes, a failed or empty read keeps
// the keys there were, a read that finds the same keys changes nothing (not even the
// generation), a kid moved to other key material is a change, a clock that steps back does not
// hold reads off, and what each read did is told to the observer. Then a TokenVerifier on such
// a set: a token of a key published since is accepted, and a remembered token of a withdrawn
// key is refused once the set no longer has it.
#include "auth/key_set.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "../support/test_keys.hpp"
#include "auth/jwt.hpp"

namespace synclog::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr KeyReloadPolicy kPolicy{/*refresh_ms=*/300'000, /*min_interval_ms=*/30'000};

class KeySetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new test::PKey(test::generate_rsa(2048));
    b_ = new test::PKey(test::generate_ec("P-256"));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }
  // Parsed afresh each time, as a read of the files would: equal keys, other objects.
  static Key key(const test::PKey& k, std::string kid) {
    auto parsed = load_public_key_pem(test::public_pem(k), std::move(kid));
    EXPECT_TRUE(parsed.ok());
    return parsed.ok() ? *parsed : Key{};
  }
  static std::vector<std::string> kids(const KeySnapshot& s) {
    std::vector<std::string> out;
    for (const auto& k : s.keys) out.push_back(k.kid);
    return out;
  }

  // What the files hold from now on.
  void files_hold(Result<std::vector<Key>> next) {
    std::lock_guard lock(mu_);
    files_ = std::move(next);
  }
  std::shared_ptr<KeySet> open(KeyReloadPolicy policy = kPolicy) {
    auto set = KeySet::load(
        [this]() -> Result<std::vector<Key>> {
          std::lock_guard lock(mu_);
          ++reads_;
          return files_;
        },
        policy, clock_, [this](const KeyReload& r) { reports_.push_back(r); });
    EXPECT_TRUE(set.ok());
    return set.ok() ? *set : nullptr;
  }

  ManualClock clock_{kStart};
  std::mutex mu_;
  Result<std::vector<Key>> files_{std::vector<Key>{key(*a_, "A")}};
  int reads_ = 0;
  std::vector<KeyReload> reports_;
  static test::PKey* a_;
  static test::PKey* b_;
};

test::PKey* KeySetTest::a_ = nullptr;
test::PKey* KeySetTest::b_ = nullptr;

TEST_F(KeySetTest, KeysGivenOnceNeverChange) {
  KeySet fixed({key(*a_, "A")});
  const auto s = fixed.fresh();
  EXPECT_EQ(s->generation, 0u);
  EXPECT_EQ(fixed.for_unknown_kid("B", s), s);
  EXPECT_THAT(kids(*fixed.current()), ElementsAre("A"));
}

TEST_F(KeySetTest, TheFirstReadFailsLikeTheFiles) {
  files_hold(make_error(ErrorCode::kInvalidRequest, "jwks.json: JWKS is not a JSON object"));
  auto set = KeySet::load([this] { return files_; }, kPolicy, clock_);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().message, "jwks.json: JWKS is not a JSON object");
}

TEST_F(KeySetTest, AnUnknownKidReadsTheFilesAgain) {
  auto set = open();
  const auto before = set->fresh();
  ASSERT_EQ(reads_, 1);
  files_hold(std::vector<Key>{key(*a_, "A"), key(*b_, "B")});
  clock_.advance(kPolicy.min_interval_ms);
  const auto after = set->for_unknown_kid("B", before);
  EXPECT_EQ(reads_, 2);
  EXPECT_TRUE(after->has_kid("B"));
  EXPECT_EQ(after->generation, before->generation + 1);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].outcome, KeyReload::Outcome::kChanged);
  EXPECT_EQ(reports_[0].trigger, "unknown_kid");
  EXPECT_THAT(reports_[0].added, ElementsAre("B"));
  EXPECT_THAT(reports_[0].removed, IsEmpty());
  EXPECT_EQ(reports_[0].keys, 2u);
  // The kid is known now: no more reads for it.
  EXPECT_EQ(set->for_unknown_kid("B", before), after);
  EXPECT_EQ(reads_, 2);
}

TEST_F(KeySetTest, UnknownKidsReadTheFilesAtMostOncePerInterval) {
  auto set = open();
  const auto seen = set->current();
  // Within the interval of the first read: none.
  for (int i = 0; i < 1000; ++i) set->for_unknown_kid("garbage-" + std::to_string(i), seen);
  EXPECT_EQ(reads_, 1);
  // Ten intervals of a flood (100 tokens over a third of each), a read in each.
  for (int interval = 0; interval < 10; ++interval) {
    clock_.advance(kPolicy.min_interval_ms);
    for (int i = 0; i < 100; ++i) {
      set->for_unknown_kid("garbage-" + std::to_string(i), seen);
      clock_.advance(kPolicy.min_interval_ms / 300);
    }
  }
  EXPECT_EQ(reads_, 11);
  for (const auto& r : reports_) EXPECT_EQ(r.outcome, KeyReload::Outcome::kUnchanged);
  EXPECT_EQ(set->current()->generation, 0u);
}

TEST_F(KeySetTest, TheScheduleReadsTheFilesAndDropsAWithdrawnKey) {
  auto set = open();
  files_hold(std::vector<Key>{key(*b_, "B")});
  clock_.advance(kPolicy.refresh_ms - 1);
  EXPECT_THAT(kids(*set->fresh()), ElementsAre("A"));
  EXPECT_EQ(reads_, 1);
  clock_.advance(1);
  const auto after = set->fresh();
  EXPECT_EQ(reads_, 2);
  EXPECT_THAT(kids(*after), ElementsAre("B"));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].trigger, "schedule");
  EXPECT_THAT(reports_[0].added, ElementsAre("B"));
  EXPECT_THAT(reports_[0].removed, ElementsAre("A"));
  // The next one is a whole refresh later.
  clock_.advance(kPolicy.refresh_ms - 1);
  set->fresh();
  EXPECT_EQ(reads_, 2);
}

TEST_F(KeySetTest, AnUnknownKidReadCountsForTheSchedule) {
  auto set = open();
  clock_.advance(kPolicy.refresh_ms - 10);
  set->for_unknown_kid("X", set->current());
  EXPECT_EQ(reads_, 2);
  clock_.advance(10);
  set->fresh();
  EXPECT_EQ(reads_, 2);
}

TEST_F(KeySetTest, NoScheduleWhenRefreshIsZero) {
  auto set = open({/*refresh_ms=*/0, /*min_interval_ms=*/30'000});
  clock_.advance(365LL * 24 * 3600 * 1000);
  set->fresh();
  EXPECT_EQ(reads_, 1);
}

TEST_F(KeySetTest, AFailedReadKeepsTheKeysAndSaysWhy) {
  auto set = open();
  const auto before = set->current();
  files_hold(make_error(ErrorCode::kInvalidRequest, "jwks.json: JWKS is not a JSON object"));
  clock_.advance(kPolicy.refresh_ms);
  EXPECT_EQ(set->fresh(), before);
  files_hold(std::vector<Key>{});  // a file with no usable key
  clock_.advance(kPolicy.refresh_ms);
  EXPECT_EQ(set->fresh(), before);
  EXPECT_EQ(reads_, 3);
  ASSERT_EQ(reports_.size(), 2u);
  for (const auto& r : reports_) {
    EXPECT_EQ(r.outcome, KeyReload::Outcome::kFailed);
    EXPECT_EQ(r.keys, 1u);
  }
  EXPECT_EQ(reports_[0].error, "jwks.json: JWKS is not a JSON object");
  EXPECT_EQ(reports_[1].error, "no usable key");
  // A failed read counts for the interval too: a broken file is not read again on every token.
  set->for_unknown_kid("B", before);
  EXPECT_EQ(reads_, 3);
}

TEST_F(KeySetTest, TheSameKeysReadAgainAreNoChange) {
  auto set = open();
  const auto before = set->current();
  clock_.advance(kPolicy.refresh_ms);
  EXPECT_EQ(set->fresh(), before);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].outcome, KeyReload::Outcome::kUnchanged);
}

TEST_F(KeySetTest, AKidMovedToOtherKeyMaterialIsAChange) {
  auto set = open();
  const auto other = test::generate_rsa(2048);
  files_hold(std::vector<Key>{key(other, "A")});
  clock_.advance(kPolicy.refresh_ms);
  const auto after = set->fresh();
  EXPECT_EQ(after->generation, 1u);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_THAT(reports_[0].added, ElementsAre("A"));
  EXPECT_THAT(reports_[0].removed, ElementsAre("A"));
}

TEST_F(KeySetTest, AClockThatStepsBackDoesNotHoldReadsOff) {
  auto set = open();
  clock_.advance(-3600'000);
  set->for_unknown_kid("B", set->current());
  EXPECT_EQ(reads_, 2);
  // From the new time on, the interval holds again.
  set->for_unknown_kid("B", set->current());
  EXPECT_EQ(reads_, 2);
}

// Verifications take whole sets while the files change under them: every set a reader sees
// is one that was read, never a mix, and the last one read wins.
TEST_F(KeySetTest, ReadersSeeWholeSetsWhileTheFilesChange) {
  auto set = open({/*refresh_ms=*/1, /*min_interval_ms=*/1});
  std::atomic<bool> stop{false};
  std::atomic<int> odd{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto s = set->fresh();
        const auto k = kids(*s);
        if (k != std::vector<std::string>{"A"} && k != std::vector<std::string>{"A", "B"}) ++odd;
        set->for_unknown_kid("B", s);
      }
    });
  }
  for (int i = 0; i < 100; ++i) {
    files_hold(i % 2 ? std::vector<Key>{key(*a_, "A")} : std::vector<Key>{key(*a_, "A"), key(*b_, "B")});
    clock_.advance(2);
    std::this_thread::yield();
  }
  files_hold(std::vector<Key>{key(*a_, "A"), key(*b_, "B")});
  clock_.advance(2);
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(odd.load(), 0);
  set->fresh();
  EXPECT_THAT(kids(*set->current()), ElementsAre("A", "B"));
}

// ---- a verifier on the set

class RotatingVerifierTest : public KeySetTest {
 protected:
  // A token for alice signed by `k` under `kid`, valid for an hour.
  std::string token(const test::PKey& k, std::string kid) {
    auto signing = load_private_key_pem(test::private_pem(k), std::move(kid));
    EXPECT_TRUE(signing.ok());
    Claims c;
    c.subject = "alice";
    c.expires_at = clock_.now_ms() / 1000 + 3600;
    auto t = TokenSigner::with_key(*signing).sign(c, clock_.now_ms() / 1000);
    EXPECT_TRUE(t.ok());
    return t.ok() ? *t : "";
  }
  TokenVerifier verifier(std::shared_ptr<KeySet> set, std::optional<std::string> secret = {}) {
    VerifierOptions o;
    o.key_set = std::move(set);
    o.hs256_secret = std::move(secret);
    return TokenVerifier(std::move(o), clock_);
  }
  static void expect_refused(const Result<Claims>& r, const std::string& why) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
    EXPECT_THAT(r.error().message, HasSubstr(why));
  }
};

TEST_F(RotatingVerifierTest, ATokenOfAKeyPublishedSinceIsAcceptedOnceTheFilesHaveIt) {
  const auto v = verifier(open());
  const std::string by_b = token(*b_, "B");
  // Within the interval of the last read, the files are not read again.
  expect_refused(v.verify(by_b), "Access token signature is invalid: unknown key");
  files_hold(std::vector<Key>{key(*a_, "A"), key(*b_, "B")});
  expect_refused(v.verify(by_b), "unknown key");
  EXPECT_EQ(reads_, 1);
  clock_.advance(kPolicy.min_interval_ms);
  auto ok = v.verify(by_b);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->subject, "alice");
  EXPECT_EQ(reads_, 2);
}

TEST_F(RotatingVerifierTest, ARememberedTokenOfAWithdrawnKeyIsRefusedOnceTheSetDropsIt) {
  const auto v = verifier(open());
  const std::string by_a = token(*a_, "A");
  ASSERT_TRUE(v.verify(by_a).ok());
  ASSERT_TRUE(v.verify(by_a).ok());  // remembered
  files_hold(std::vector<Key>{key(*b_, "B")});
  // Until the files are read again, A is still trusted.
  clock_.advance(kPolicy.refresh_ms - 1);
  EXPECT_TRUE(v.verify(by_a).ok());
  clock_.advance(1);
  expect_refused(v.verify(by_a), "Access token signature is invalid");
  EXPECT_TRUE(v.verify(token(*b_, "B")).ok());
}

TEST_F(RotatingVerifierTest, OnlyAnUnknownKidReadsTheFiles) {
  const auto v = verifier(open());
  clock_.advance(kPolicy.min_interval_ms);
  // Another key under a kid the set has, and a token naming no kid: a bad signature, no read.
  expect_refused(v.verify(token(*b_, "A")), "Access token signature is invalid");
  expect_refused(v.verify(token(*b_, "")), "Access token signature is invalid");
  EXPECT_EQ(reads_, 1);
}

TEST_F(RotatingVerifierTest, LocalTokensOutliveAKeyChange) {
  const auto v = verifier(open(), std::string(32, 's'));
  const auto hs = TokenSigner::hs256(std::string(32, 's'))
                      .sign_payload(R"({"sub":"bob","exp":)" + std::to_string(clock_.now_ms() / 1000 + 3600) + "}");
  ASSERT_TRUE(hs.ok());
  ASSERT_TRUE(v.verify(*hs).ok());
  files_hold(std::vector<Key>{key(*b_, "B")});
  clock_.advance(kPolicy.refresh_ms);
  auto again = v.verify(*hs);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->subject, "bob");
}

}  // namespace
}  // namespace synclog::auth
