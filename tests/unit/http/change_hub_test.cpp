// The change stream's hub and stream without sockets: which listeners hear which user's moves,
// the per-user limit (the oldest is evicted), resync and the store's HeadEvents on a real SqliteStore; what a
// ChangeStream sends (the hint, the immediate event, coalescing, ids that only rise) and when it
// wakes the server.
#include "http/change_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "blocking_store.hpp"
#include "http/change_stream.hpp"
#include "http/metrics.hpp"

namespace synclog::http {
namespace {

using namespace std::chrono_literals;

class RecordingListener final : public ChangeHub::Listener {
 public:
  void head_moved(std::int64_t head) override {
    std::lock_guard lock(mu_);
    heads_.push_back(head);
  }
  void evicted() override { evicted_ = true; }
  bool was_evicted() const { return evicted_.load(); }
  std::vector<std::int64_t> heads() const {
    std::lock_guard lock(mu_);
    return heads_;
  }
  // Waits up to two seconds for a head >= `at_least`.
  bool wait_for(std::int64_t at_least) const {
    for (int i = 0; i < 200; ++i) {
      for (auto h : heads()) {
        if (h >= at_least) return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::int64_t> heads_;
  std::atomic<bool> evicted_{false};
};

TEST(ChangeHubTest, AMoveIsToldToThatUsersListenersOnly) {
  ChangeHub hub;
  RecordingListener a1, a2, b;
  hub.add(1, a1, 16);
  hub.add(1, a2, 16);
  hub.add(2, b, 16);
  hub.moved(1, 100);
  hub.moved(3, 300);  // nobody listens
  EXPECT_EQ(a1.heads(), std::vector<std::int64_t>{100});
  EXPECT_EQ(a2.heads(), std::vector<std::int64_t>{100});
  EXPECT_TRUE(b.heads().empty());
  hub.remove(1, a1);
  hub.moved(1, 101);
  EXPECT_EQ(a1.heads(), std::vector<std::int64_t>{100});
  EXPECT_EQ(a2.heads(), (std::vector<std::int64_t>{100, 101}));
  hub.remove(1, a2);
  hub.remove(2, b);
}

TEST(ChangeHubTest, AddBeyondTheLimitEvictsTheUsersOldestListener) {
  Registry metrics;
  Gauge& open = metrics.gauge("streams", "open");
  ChangeHub hub(&open);
  RecordingListener a1, a2, a3, a4, b;
  hub.add(1, a1, 2);
  hub.add(1, a2, 2);
  hub.add(2, b, 2);  // each user has its own
  hub.add(1, a3, 2);
  EXPECT_TRUE(a1.was_evicted());
  EXPECT_FALSE(a2.was_evicted());
  EXPECT_FALSE(b.was_evicted());
  EXPECT_EQ(hub.listeners(1), 2u);
  EXPECT_EQ(hub.listeners(), 3u);
  EXPECT_EQ(open.value(), 3);
  hub.moved(1, 100);
  EXPECT_TRUE(a1.heads().empty());  // never called again
  EXPECT_EQ(a3.heads(), std::vector<std::int64_t>{100});
  hub.remove(1, a1);  // evicted already: no effect
  EXPECT_EQ(hub.listeners(), 3u);
  // A removal keeps the order: with a2 gone from a2, a3, a4, the oldest is a3.
  hub.add(1, a4, 3);
  hub.remove(1, a2);
  RecordingListener a5;
  hub.add(1, a5, 2);
  EXPECT_FALSE(a2.was_evicted());
  EXPECT_TRUE(a3.was_evicted());
  EXPECT_FALSE(a4.was_evicted());
  hub.remove(1, a4);
  hub.remove(1, a5);
  hub.remove(2, b);
  EXPECT_EQ(hub.listeners(1), 0u);
  EXPECT_EQ(hub.listeners(), 0u);
  EXPECT_EQ(open.value(), 0);
}

TEST(ChangeHubTest, ConcurrentMovesAddsAndRemovesAreSafe) {
  ChangeHub hub;
  std::atomic<bool> stop{false};
  std::thread mover([&] {
    for (std::int64_t h = 1; !stop.load(); ++h) hub.moved(h % 4, h);
  });
  for (int round = 0; round < 2000; ++round) {
    RecordingListener l;
    hub.add(round % 4, l, 16);
    hub.remove(round % 4, l);  // after this, `l` is never called (it is destroyed next)
  }
  stop = true;
  mover.join();
  EXPECT_EQ(hub.listeners(), 0u);
}

class ChangeHubStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("hub.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) store_->shutdown();
  }
  storage::UserKey user(const std::string& subject) {
    auto u = test::resolve_user(*store_, subject, 1'000);
    EXPECT_TRUE(u.ok());
    return u.ok() ? *u : 0;
  }
  Status set_head(storage::UserKey u, std::int64_t head) {
    return test::write(*store_, u, [head](storage::WriteTxn& txn) { return txn.set_head(head); });
  }
  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  ChangeHub hub_;  // outlives nothing the store may still call: TearDown stops the store first
};

TEST_F(ChangeHubStoreTest, TheStoresHeadEventsReachTheListenersOfTheUserWhoseHeadMoved) {
  store_->watch_heads(hub_.head_events(*store_));
  const auto alice = user("alice");
  const auto bob = user("bob");
  RecordingListener a, b;
  hub_.add(alice, a, 16);
  hub_.add(bob, b, 16);
  ASSERT_TRUE(set_head(alice, 5'000).ok());
  // Told before the write's completion returns.
  EXPECT_EQ(a.heads(), std::vector<std::int64_t>{5'000});
  EXPECT_TRUE(b.heads().empty());
  hub_.remove(alice, a);
  hub_.remove(bob, b);
}

TEST_F(ChangeHubStoreTest, ResyncReadsTheHeadOfEveryUserWithListeners) {
  // The hub does not watch the store: these moves are missed, as across a lost link.
  const auto alice = user("alice");
  const auto bob = user("bob");
  ASSERT_TRUE(set_head(alice, 7'000).ok());
  ASSERT_TRUE(set_head(bob, 8'000).ok());
  RecordingListener a, b;
  hub_.add(alice, a, 16);
  hub_.add(bob, b, 16);
  hub_.head_events(*store_).resync();
  EXPECT_TRUE(a.wait_for(7'000));
  EXPECT_TRUE(b.wait_for(8'000));
  EXPECT_EQ(a.heads().back(), 7'000);
  EXPECT_EQ(b.heads().back(), 8'000);
  hub_.remove(alice, a);
  hub_.remove(bob, b);
}

// ---------------------------------------------------------------------------------------------
// ChangeStream: the text it hands the server.

constexpr std::string_view kHint = "retry: 1000\n\n";

class ChangeStreamTextTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChangeStream> stream(std::size_t limit = 16) {
    ChangeStream::Options o;
    o.events_sent = &sent_;
    auto s = std::make_unique<ChangeStream>(hub_, 1, o);
    s->join(limit);
    return s;
  }
  ChangeHub hub_;
  Counter sent_;
};

TEST_F(ChangeStreamTextTest, AClientThatSawNothingGetsTheHintThenTheHead) {
  auto s = stream();
  s->begin(1'000, std::nullopt);
  s->start([] {});
  EXPECT_EQ(s->take(), std::string(kHint) + ChangeStream::event_text(1'000));
  EXPECT_EQ(ChangeStream::event_text(1'000),
            "id: 1000\nevent: head\ndata: {\"lastMutationAt\":1000}\n\n");
  EXPECT_EQ(s->take(), "");
  EXPECT_EQ(sent_.value(), 1u);
}

TEST_F(ChangeStreamTextTest, WhatTheClientSawDecidesTheImmediateEvent) {
  auto at_head = stream();
  at_head->begin(1'000, 1'000);
  EXPECT_EQ(at_head->take(), kHint);
  auto behind = stream();
  behind->begin(1'000, 999);
  EXPECT_EQ(behind->take(), std::string(kHint) + ChangeStream::event_text(1'000));
  auto ahead = stream();
  ahead->begin(1'000, 5'000);
  EXPECT_EQ(ahead->take(), kHint);
  ahead->head_moved(1'001);  // below what it claimed, but a move after it connected
  EXPECT_EQ(ahead->take(), ChangeStream::event_text(1'001));
}

TEST_F(ChangeStreamTextTest, MovesBetweenTakesCoalesceAndIdsOnlyRise) {
  auto s = stream();
  s->begin(1'000, 1'000);
  EXPECT_EQ(s->take(), kHint);
  s->head_moved(1'005);
  s->head_moved(1'009);
  s->head_moved(1'007);  // told out of order
  EXPECT_EQ(s->take(), ChangeStream::event_text(1'009));
  s->head_moved(1'009);  // told twice
  s->head_moved(1'008);
  EXPECT_EQ(s->take(), "");
  EXPECT_EQ(sent_.value(), 1u);
}

TEST_F(ChangeStreamTextTest, AMoveBeforeTheHeadIsReadIsKept) {
  auto s = stream();
  s->head_moved(1'200);  // committed between joining and reading the head
  s->begin(1'100, 1'100);
  EXPECT_EQ(s->take(), std::string(kHint) + ChangeStream::event_text(1'200));
}

TEST_F(ChangeStreamTextTest, WakesOncePerTakeAndOnlyAfterStart) {
  auto s = stream();
  s->begin(1'000, 1'000);
  int wakes = 0;
  s->head_moved(1'001);  // before start: kept, nobody to wake
  s->start([&wakes] { ++wakes; });
  EXPECT_EQ(wakes, 0);
  EXPECT_EQ(s->take(), std::string(kHint) + ChangeStream::event_text(1'001));
  s->head_moved(1'002);
  s->head_moved(1'003);
  EXPECT_EQ(wakes, 1);  // one wake is on its way already
  EXPECT_EQ(s->take(), ChangeStream::event_text(1'003));
  s->head_moved(1'003);  // nothing new: no wake
  EXPECT_EQ(wakes, 1);
  s->head_moved(1'004);
  EXPECT_EQ(wakes, 2);
}

TEST_F(ChangeStreamTextTest, AStreamEvictedByANewerOneIsFinishedAndWakesTheServer) {
  auto first = stream(2);
  auto second = stream(2);
  int wakes = 0;
  first->start([&wakes] { ++wakes; });
  EXPECT_EQ(first->finished(), "");
  auto third = stream(2);
  EXPECT_EQ(first->finished(), "evicted");
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(second->finished(), "");
  EXPECT_EQ(third->finished(), "");
  EXPECT_EQ(hub_.listeners(1), 2u);
  first.reset();  // gone from the hub already
  EXPECT_EQ(hub_.listeners(1), 2u);
  second.reset();
  EXPECT_EQ(hub_.listeners(1), 1u);
}

TEST_F(ChangeStreamTextTest, EndedRunsTheCallbackOnceAndADroppedStreamCountsAsNotStarted) {
  std::vector<std::string> ends;
  {
    auto s = stream();
    s->on_ended([&ends](std::int64_t bytes, std::string_view why) {
      ends.push_back(std::string(why) + ":" + std::to_string(bytes));
    });
    s->ended(42, "client_closed");
    s->ended(43, "draining");
  }
  {
    auto s = stream();
    s->on_ended([&ends](std::int64_t bytes, std::string_view why) {
      ends.push_back(std::string(why) + ":" + std::to_string(bytes));
    });
  }
  EXPECT_EQ(ends, (std::vector<std::string>{"client_closed:42", "not_started:0"}));
}

}  // namespace
}  // namespace synclog::http
