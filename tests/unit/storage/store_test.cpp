// The storage conformance suite: every Store backend (SQLite; PostgreSQL when the test cluster
// is there) on a real, fresh database: users and their stable first head, atomic writes,
// consistent read snapshots, head moves told once committed, the log's superseded entries and
// their compaction (held back while a paged traversal is in progress), retention (tombstones,
// the horizon, stored idempotent answers), durability across reopening, and refusal of work
// after shutdown. Backend-specific behaviour is in sqlite_store_test.cpp and pg_store_test.cpp.
#include "storage/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace synclog::storage {
namespace {

TEST_P(StoreTest, NewUserStartsWithHeadEqualToBaselineEqualToNow) {
  const UserKey u = user("alice", kT0);
  const UserHead h = head_of(u);
  EXPECT_EQ(h.head, kT0);
  EXPECT_EQ(h.baseline, kT0);
}

TEST_P(StoreTest, ResolvingAgainReturnsTheSameUserAndKeepsItsHead) {
  const UserKey u = user("alice", kT0);
  EXPECT_EQ(user("alice", kT0 + 5000), u);
  EXPECT_EQ(head_of(u).head, kT0);
  EXPECT_EQ(head_of(u).baseline, kT0);
  const UserKey v = user("bob", kT0 + 7);
  EXPECT_NE(v, u);
  EXPECT_EQ(head_of(v).head, kT0 + 7);
}

TEST_P(StoreTest, ConcurrentFirstResolvesAgreeOnOneUser) {
  std::vector<std::future<Result<UserKey>>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [this, i] {
      return resolve_user(*store_, "carol", kT0 + i);
    }));
  }
  std::optional<UserKey> first;
  for (auto& f : results) {
    auto r = f.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (!first) first = *r;
    EXPECT_EQ(*r, *first);
  }
}

// A subject with a NUL must never reach another subject's account (PostgreSQL text cannot
// hold NUL: a backend that cut the subject there would answer with "a"'s uid). Refusing it or
// giving it its own account are both fine.
TEST_P(StoreTest, SubjectsDifferingAfterANulAreNeverOneUser) {
  const UserKey a = user("a");
  auto with_nul = resolve_user(*store_, std::string("a\0b", 3), kT0);
  if (with_nul.ok()) {
    EXPECT_NE(*with_nul, a);
  }
  auto a_again = resolve_user(*store_, "a", kT0);
  ASSERT_TRUE(a_again.ok()) << a_again.error().message;
  EXPECT_EQ(*a_again, a);
}

TEST_P(StoreTest, SuccessfulWriteIsVisibleToLaterReads) {
  const UserKey u = user("alice");
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1", "k", "", R"({"n":1})")));
                SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "c1")));
                return t.set_head(kT0 + 1);
              }).ok());
  const auto r = get(u, 1, "c1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"n":1})");
  EXPECT_EQ(r->k1, "k");
  EXPECT_EQ(head_of(u).head, kT0 + 1);
  EXPECT_EQ(head_of(u).baseline, kT0);
  EXPECT_EQ(count(u, all_entries(false)), 1);
}

TEST_P(StoreTest, CommittedHeadMovesAreToldAndFailedOnesAreNot) {
  HeadRecorder recorder;
  store_->watch_heads(recorder.events());
  const UserKey u = user("alice");
  const UserKey sentinel = user("sentinel");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "c1")}).ok());
  EXPECT_FALSE(write(*store_, u, [](WriteTxn& t) -> Status {
                 SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 2));
                 return make_error(ErrorCode::kValidation, "rolled back");
               }).ok());
  // A write that leaves the head alone (a stored answer only) is no move.
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                StoredResponse r;
                r.fingerprint = "f";
                r.status = 200;
                return t.put_response("k", r);
              }).ok());
  // Moves may be told after the write completes (PostgreSQL tells them through the database,
  // in commit order): once the sentinel's, committed last, has arrived, all have.
  ASSERT_TRUE(append_all(sentinel, {entry(kT0 + 9, 1, "s")}).ok());
  const auto told = recorder.wait_until(
      [&](const auto& t) { return !t.empty() && t.back() == std::make_pair(sentinel, kT0 + 9); });
  ASSERT_TRUE(told.has_value());
  ASSERT_EQ(told->size(), 2u);
  EXPECT_EQ(told->front(), std::make_pair(u, kT0 + 1));
}

TEST_P(StoreTest, FindingAUserNeverCreatesOne) {
  std::promise<Result<std::optional<UserKey>>> missing;
  store_->find_user("nobody", [&](Result<std::optional<UserKey>> r) { missing.set_value(std::move(r)); });
  auto none = missing.get_future().get();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  const UserKey u = user("alice");
  std::promise<Result<std::optional<UserKey>>> present;
  store_->find_user("alice", [&](Result<std::optional<UserKey>> r) { present.set_value(std::move(r)); });
  auto found = present.get_future().get();
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, u);
  // Still nobody: looking did not create it.
  std::promise<Result<std::optional<UserKey>>> again;
  store_->find_user("nobody", [&](Result<std::optional<UserKey>> r) { again.set_value(std::move(r)); });
  EXPECT_FALSE(again.get_future().get()->has_value());
}

// A space's write reaches its members' feeds in the same transaction: both commit, or neither.
TEST_P(StoreTest, AWriteReachingAnotherLogCommitsOrRollsBackWithIt) {
  HeadRecorder recorder;
  store_->watch_heads(recorder.events());
  const UserKey space = user("space");
  const UserKey feed = user("feed");
  // The same log twice is the transaction itself.
  ASSERT_TRUE(write(*store_, space, [&](WriteTxn& t) -> Status {
                SYNCLOG_ASSIGN_OR_RETURN(WriteTxn * same, t.also(space));
                EXPECT_EQ(same, &t);
                return Status();
              }).ok());
  const auto both = [&](bool fail) {
    return write(*store_, space, [&, fail](WriteTxn& t) -> Status {
      SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "m1")));
      SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "m1")));
      SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 1));
      SYNCLOG_ASSIGN_OR_RETURN(WriteTxn * f, t.also(feed));
      EXPECT_EQ(f->user(), feed);
      SYNCLOG_RETURN_IF_ERROR(f->put(record(0, "s1")));
      SYNCLOG_RETURN_IF_ERROR(f->append(entry(kT0 + 5, 0, "s1")));
      SYNCLOG_RETURN_IF_ERROR(f->set_head(kT0 + 5));
      return fail ? make_error(ErrorCode::kValidation, "rolled back") : Status();
    });
  };
  ASSERT_FALSE(both(/*fail=*/true).ok());
  EXPECT_FALSE(get(space, 1, "m1").has_value());
  EXPECT_FALSE(get(feed, 0, "s1").has_value());
  EXPECT_EQ(head_of(feed).head, kT0);
  ASSERT_TRUE(both(/*fail=*/false).ok());
  EXPECT_TRUE(get(space, 1, "m1").has_value());
  EXPECT_TRUE(get(feed, 0, "s1").has_value());
  EXPECT_EQ(head_of(space).head, kT0 + 1);
  EXPECT_EQ(head_of(feed).head, kT0 + 5);
  EXPECT_EQ(count(feed, all_entries(false)), 1);
  // Both moves are told.
  const auto told = recorder.wait_until([&](const auto& t) {
    bool s = false, f = false;
    for (const auto& [u, h] : t) {
      s = s || (u == space && h == kT0 + 1);
      f = f || (u == feed && h == kT0 + 5);
    }
    return s && f;
  });
  EXPECT_TRUE(told.has_value());
}

TEST_P(StoreTest, FailingWriteLeavesNothingBehind) {
  const UserKey u = user("alice");
  const Status s = write(*store_, u, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "c1")));
    SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 1));
    return make_error(ErrorCode::kValidation, "changed my mind");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kValidation);
  EXPECT_EQ(s.message(), "changed my mind");
  EXPECT_FALSE(get(u, 1, "c1").has_value());
  EXPECT_EQ(count(u, all_entries(true)), 0);
  EXPECT_EQ(head_of(u).head, kT0);
}


// metadataOnly polls are answered from known_head() when the backend has one: it must never be
// behind a write already acknowledged, nor ahead of what committed. SQLite, the only writer of
// its file, knows every head it wrote or read; PostgreSQL, shared by nodes, knows none.
TEST_P(StoreTest, AKnownHeadIsTheLatestCommittedOne) {
  const bool knows = GetParam() == test::Backend::kSqlite;
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a")}).ok());
  EXPECT_EQ(store_->known_head(u), knows ? std::optional<std::int64_t>(kT0 + 1) : std::nullopt);
  ASSERT_TRUE(append_all(u, {entry(kT0 + 5, 1, "b")}).ok());
  EXPECT_EQ(store_->known_head(u), knows ? std::optional<std::int64_t>(kT0 + 5) : std::nullopt);
  const Status failed = write(*store_, u, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 9, 1, "c")));
    SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 9));
    return make_error(ErrorCode::kValidation, "changed my mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(store_->known_head(u), knows ? std::optional<std::int64_t>(kT0 + 5) : std::nullopt);

  // Reopened, it knows nothing until it reads the head; then it knows the committed one.
  open_store(test::test_maintenance());
  EXPECT_EQ(store_->known_head(u), std::nullopt);
  EXPECT_EQ(head_of(u).head, kT0 + 5);
  EXPECT_EQ(store_->known_head(u), knows ? std::optional<std::int64_t>(kT0 + 5) : std::nullopt);
  EXPECT_EQ(store_->known_head(user("bob")), std::nullopt);
}

TEST_P(StoreTest, ReadSeesOneSnapshotWhileAWriteCommits) {
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a")}).ok());

  std::promise<void> first_read_done;
  std::promise<void> write_committed;
  auto committed = write_committed.get_future().share();
  std::atomic<int> runs{0};
  UserHead before, after;
  std::int64_t count_before = 0, count_after = 0;
  std::promise<Status> read_status;
  store_->read(u, [&](ReadTxn& t) -> Status {
    ++runs;
    SYNCLOG_ASSIGN_OR_RETURN(before, t.head());
    SYNCLOG_ASSIGN_OR_RETURN(count_before, t.count_entries(all_entries(true)));
    if (runs == 1) {
      first_read_done.set_value();
      committed.wait();
    }
    SYNCLOG_ASSIGN_OR_RETURN(after, t.head());
    SYNCLOG_ASSIGN_OR_RETURN(count_after, t.count_entries(all_entries(true)));
    return Status();
  }, [&](Status s) { read_status.set_value(s); });

  first_read_done.get_future().wait();
  ASSERT_TRUE(append_all(u, {entry(kT0 + 2, 1, "b"), entry(kT0 + 3, 1, "c")}).ok());
  write_committed.set_value();
  ASSERT_TRUE(read_status.get_future().get().ok());

  EXPECT_EQ(before.head, kT0 + 1);
  EXPECT_EQ(after.head, kT0 + 1);
  EXPECT_EQ(count_before, 1);
  EXPECT_EQ(count_after, 1);
  // A new read sees the write.
  EXPECT_EQ(head_of(u).head, kT0 + 3);
  EXPECT_EQ(count(u, all_entries(true)), 3);
}

TEST_P(StoreTest, UsersDoNotSeeEachOthersData) {
  const UserKey a = user("alice");
  const UserKey b = user("bob");
  ASSERT_TRUE(write(*store_, a, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1")));
                SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "c1")));
                return t.set_head(kT0 + 1);
              }).ok());
  EXPECT_FALSE(get(b, 1, "c1").has_value());
  EXPECT_EQ(count(b, all_entries(true)), 0);
  EXPECT_EQ(head_of(b).head, kT0);
}

TEST_P(StoreTest, RecordsAreFoundByIdKeysAndKind) {
  const UserKey u = user("alice");
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(0, "b2", "ayah:1:1", "reading")));
                SYNCLOG_RETURN_IF_ERROR(t.put(record(0, "b1", "ayah:1:1")));
                SYNCLOG_RETURN_IF_ERROR(t.put(record(0, "b3", "ayah:2:2")));
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "b1", "ayah:1:1")));
                return Status();
              }).ok());
  ASSERT_TRUE(read(*store_, u, [](ReadTxn& t) -> Status {
                SYNCLOG_ASSIGN_OR_RETURN(auto by_k1, t.find_by_k1(0, "ayah:1:1"));
                EXPECT_EQ(by_k1.size(), 2u);
                if (by_k1.size() == 2) {
                  EXPECT_EQ(by_k1[0].id, "b1");  // ordered by id
                  EXPECT_EQ(by_k1[1].id, "b2");
                }
                SYNCLOG_ASSIGN_OR_RETURN(auto by_k2, t.find_by_k2(0, "reading"));
                EXPECT_EQ(by_k2.size(), 1u);
                SYNCLOG_ASSIGN_OR_RETURN(auto none, t.find_by_k1(0, ""));
                EXPECT_TRUE(none.empty());  // empty means "no key"
                SYNCLOG_ASSIGN_OR_RETURN(auto no_k2, t.find_by_k2(0, ""));
                EXPECT_TRUE(no_k2.empty());
                SYNCLOG_ASSIGN_OR_RETURN(auto kind0, t.list(0));
                EXPECT_EQ(kind0.size(), 3u);
                SYNCLOG_ASSIGN_OR_RETURN(auto kind1, t.list(1));
                EXPECT_EQ(kind1.size(), 1u);
                return Status();
              }).ok());
}

TEST_P(StoreTest, PutReplacesAndEraseRemoves) {
  const UserKey u = user("alice");
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1", "old", "x", R"({"v":1})")));
                auto r = record(1, "c1", "new", "", R"({"v":2})");
                r.version = 7;
                return t.put(r);
              }).ok());
  auto r = get(u, 1, "c1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"v":2})");
  EXPECT_EQ(r->version, 7);
  EXPECT_EQ(r->k1, "new");
  EXPECT_EQ(r->k2, "");
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) { return t.erase(1, "c1"); }).ok());
  EXPECT_FALSE(get(u, 1, "c1").has_value());
  // Erasing what is not there is not an error.
  EXPECT_TRUE(write(*store_, u, [](WriteTxn& t) { return t.erase(1, "c1"); }).ok());
}

TEST_P(StoreTest, AppendSupersedesThePreviousLiveEntryOfTheSameResource) {
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "b"),
                             entry(kT0 + 3, 1, "a"), entry(kT0 + 4, 2, "a"),
                             entry(kT0 + 5, 1, "a")})
                  .ok());
  // Live: b (ts 2), kind-2 a (ts 4), kind-1 a (ts 5). Same id of another kind is another resource.
  EXPECT_EQ(count(u, all_entries(false)), 3);
  EXPECT_EQ(count(u, all_entries(true)), 5);
  using V = std::vector<std::pair<std::int64_t, std::string>>;
  EXPECT_EQ(scan(u, all_entries(false)), (V{{kT0 + 2, "b"}, {kT0 + 4, "a"}, {kT0 + 5, "a"}}));
  EXPECT_EQ(scan(u, all_entries(true)),
            (V{{kT0 + 1, "a"}, {kT0 + 2, "b"}, {kT0 + 3, "a"}, {kT0 + 4, "a"}, {kT0 + 5, "a"}}));
}

TEST_P(StoreTest, QueriesFilterByCursorAndKindMask) {
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 0, "b1"), entry(kT0 + 2, 1, "c1"),
                             entry(kT0 + 3, 3, "n1"), entry(kT0 + 4, 1, "c2")})
                  .ok());
  EntryQuery q;
  q.after_ts = kT0 + 2;  // exclusive
  using V = std::vector<std::pair<std::int64_t, std::string>>;
  EXPECT_EQ(scan(u, q), (V{{kT0 + 3, "n1"}, {kT0 + 4, "c2"}}));
  EXPECT_EQ(count(u, q), 2);

  EntryQuery kinds;
  kinds.kind_mask = 1u << 1;
  EXPECT_EQ(scan(u, kinds), (V{{kT0 + 2, "c1"}, {kT0 + 4, "c2"}}));
  EXPECT_EQ(count(u, kinds), 2);
  kinds.kind_mask = (1u << 0) | (1u << 3);
  EXPECT_EQ(scan(u, kinds), (V{{kT0 + 1, "b1"}, {kT0 + 3, "n1"}}));
  kinds.kind_mask = 0;
  EXPECT_EQ(count(u, kinds), 0);
  EXPECT_TRUE(scan(u, kinds).empty());
}

// A traversal asks for the count after each page's last entry, and a backend may derive it
// from the count it gave before (SQLite does): every count must still be the entries left.
TEST_P(StoreTest, CountsAlongATraversalAreTheEntriesLeft) {
  const UserKey u = user("alice");
  std::vector<Entry> es;
  for (int i = 1; i <= 60; ++i) {
    es.push_back(entry(kT0 + i, static_cast<std::uint8_t>(i % 3), "r" + std::to_string(i % 25)));
  }
  ASSERT_TRUE(append_all(u, es).ok());
  for (const bool superseded : {false, true}) {
    for (const std::uint32_t mask : {~0u, 1u << 1, (1u << 0) | (1u << 2)}) {
      EntryQuery q = all_entries(superseded);
      q.kind_mask = mask;
      const std::int64_t all = static_cast<std::int64_t>(scan(u, q).size());
      // Forward by uneven steps, then backward, then the same cursor twice.
      std::vector<std::int64_t> cursors;
      for (std::int64_t after = 0; after <= 61; after += 1 + after % 7) cursors.push_back(after);
      for (std::int64_t after = 61; after >= 0; after -= 9) cursors.push_back(after);
      cursors.push_back(30);
      cursors.push_back(30);
      for (const std::int64_t after : cursors) {
        q.after_ts = after == 0 ? 0 : kT0 + after;
        EXPECT_EQ(count(u, q), static_cast<std::int64_t>(scan(u, q).size()))
            << "after " << after << " mask " << mask << " superseded " << superseded;
      }
      q.after_ts = 0;
      EXPECT_EQ(count(u, q), all);
    }
  }
}

TEST_P(StoreTest, ACountAfterAWriteIncludesIt) {
  const UserKey u = user("alice");
  ASSERT_TRUE(
      append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "b"), entry(kT0 + 3, 1, "c")}).ok());
  EntryQuery q = all_entries(false);
  q.after_ts = kT0 + 1;
  EXPECT_EQ(count(u, q), 2);
  // Supersedes b and adds d: the live entries after kT0 + 2 are c, b', d.
  ASSERT_TRUE(append_all(u, {entry(kT0 + 4, 1, "b"), entry(kT0 + 5, 1, "d")}).ok());
  q.after_ts = kT0 + 2;
  EXPECT_EQ(count(u, q), 3);
  q.after_ts = kT0 + 1;
  EXPECT_EQ(count(u, q), 3);
  q.include_superseded = true;
  EXPECT_EQ(count(u, q), 4);
}

TEST_P(StoreTest, ScanHonoursOffsetAndLimit) {
  const UserKey u = user("alice");
  std::vector<Entry> es;
  for (int i = 1; i <= 10; ++i) es.push_back(entry(kT0 + i, 1, "c" + std::to_string(i)));
  ASSERT_TRUE(append_all(u, es).ok());
  const auto page = scan(u, all_entries(false), /*offset=*/3, /*limit=*/4);
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page.front().first, kT0 + 4);
  EXPECT_EQ(page.back().first, kT0 + 7);
  EXPECT_EQ(scan(u, all_entries(false), 8, 100).size(), 2u);
  EXPECT_TRUE(scan(u, all_entries(false), 10, 100).empty());
}

TEST_P(StoreTest, ScanReturnsEveryEntryField) {
  const UserKey u = user("alice");
  Entry e = entry(kT0 + 9, 4, "s1", /*op=*/2, R"({"x":"y"})");
  e.created_ts = kT0 + 1;
  ASSERT_TRUE(append_all(u, {e}).ok());
  std::vector<Entry> got;
  ASSERT_TRUE(read(*store_, u, [&](ReadTxn& t) {
                got.clear();
                return t.scan_entries(all_entries(false), 0, 10,
                                      [&](const Entry& x) {
                                        got.push_back(x);
                                        return true;
                                      });
              }).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ts, kT0 + 9);
  EXPECT_EQ(got[0].kind, 4);
  EXPECT_EQ(got[0].id, "s1");
  EXPECT_EQ(got[0].op, 2);
  EXPECT_EQ(got[0].created_ts, kT0 + 1);
  EXPECT_EQ(got[0].data, R"({"x":"y"})");
}


TEST_P(CompactionTest, KeepsSupersededEntriesYoungerThanTheWindow) {
  open_with(/*traversal_quiet_ms=*/60'000);
  const UserKey u = user("alice");
  write_history(u);
  clock_.set(kT0 + 3 + 999);  // superseded 999 ms ago: not yet
  EXPECT_EQ(compact(), 0);
  EXPECT_EQ(count(u, all_entries(true)), 3);
}

TEST_P(CompactionTest, RemovesOldSupersededEntriesOnly) {
  open_with(60'000);
  const UserKey u = user("alice");
  write_history(u);
  clock_.set(kT0 + 3 + 1001);
  EXPECT_EQ(compact(), 1);
  EXPECT_EQ(count(u, all_entries(true)), 2);
  EXPECT_EQ(count(u, all_entries(false)), 2);
  EXPECT_EQ(compact(), 0);  // nothing left to do
}

TEST_P(CompactionTest, CountsTakenBeforeACompactionAreNotReusedAfterIt) {
  open_with(/*traversal_quiet_ms=*/0);
  const UserKey u = user("alice");
  write_history(u);
  EntryQuery q = all_entries(true);
  EXPECT_EQ(count(u, q), 3);
  q.after_ts = kT0;
  EXPECT_EQ(count(u, q), 3);
  clock_.set(kT0 + 3 + 1001);
  EXPECT_EQ(compact(), 1);  // the first "a", superseded, goes; the head does not move
  EXPECT_EQ(count(u, q), 2);
  q.after_ts = kT0 + 1;
  EXPECT_EQ(count(u, q), 2);
  q.after_ts = 0;
  EXPECT_EQ(count(u, q), 2);
}

TEST_P(CompactionTest, SkipsAUserWithARecentTraversal) {
  open_with(/*traversal_quiet_ms=*/60 * 60 * 1000);
  const UserKey paging = user("alice");
  const UserKey idle = user("bob");
  write_history(paging);
  write_history(idle);
  start_traversal(paging);
  clock_.set(kT0 + 1'000'000);
  EXPECT_EQ(compact(), 1);  // bob's only
  EXPECT_EQ(count(paging, all_entries(true)), 3);
  EXPECT_EQ(count(idle, all_entries(true)), 2);
}

TEST_P(CompactionTest, ReadWithoutTraversalMarkDoesNotHoldCompactionBack) {
  open_with(60 * 60 * 1000);
  const UserKey u = user("alice");
  write_history(u);
  EXPECT_EQ(count(u, all_entries(true)), 3);  // a plain read
  clock_.set(kT0 + 1'000'000);
  EXPECT_EQ(compact(), 1);
}

TEST_P(CompactionTest, CompactsOnceTheTraversalHasBeenQuiet) {
  open_with(/*traversal_quiet_ms=*/50);
  const UserKey u = user("alice");
  write_history(u);
  start_traversal(u);
  clock_.set(kT0 + 1'000'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(compact(), 1);
  EXPECT_EQ(count(u, all_entries(true)), 2);
}

TEST_P(CompactionTest, UsersHeldBackByTraversalsDoNotStarveTheOthers) {
  // A pass looks at a bounded number of users (256). Regression: when the first 256 all had
  // traversals in progress, every pass picked them again and nobody else was ever compacted.
  open_with(/*traversal_quiet_ms=*/60 * 60 * 1000);
  std::vector<UserKey> paging;
  for (int i = 0; i < 256; ++i) {
    const UserKey u = user("paging-" + std::to_string(i));
    write_history(u);
    start_traversal(u);
    paging.push_back(u);
  }
  const UserKey idle = user("idle");  // the highest key: after all the paging users
  write_history(idle);
  clock_.set(kT0 + 1'000'000);
  std::int64_t removed = 0;
  for (int pass = 0; pass < 3 && removed == 0; ++pass) removed += compact();
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(count(idle, all_entries(true)), 2);
  EXPECT_EQ(count(paging.front(), all_entries(true)), 3);
}

// ---- retention and stored answers ----


TEST_P(RetentionTest, PurgesOldTombstonesAndMovesTheHorizonToTheLatestPurged) {
  open_retaining(/*retention_ms=*/1000, /*response_ttl_ms=*/1000);
  const UserKey u = user("alice");
  // a: created then deleted at +2 (a tombstone); b: live; c: deleted at +900 (a later tombstone).
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "a", kTombstoneOp), entry(kT0 + 3, 1, "b"),
                             entry(kT0 + 900, 1, "c", kTombstoneOp)})
                  .ok());
  clock_.set(kT0 + 1003);  // only the first tombstone is more than 1000 ms old
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(head_of(u).horizon, kT0 + 2);
  // The superseded CREATE of `a` is compaction's business, not retention's.
  EXPECT_EQ(count(u, all_entries(true)), 3);
  EXPECT_EQ(count(u, all_entries(false)), 2);  // b and c's tombstone

  clock_.set(kT0 + 2000);
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(head_of(u).horizon, kT0 + 900);
  EXPECT_EQ(count(u, all_entries(false)), 1);  // b, live, is never purged
  EXPECT_EQ(purge(), 0);
}

TEST_P(RetentionTest, TheHorizonIsPerUserAndRisesWithLaterPurges) {
  open_retaining(1000, 1000);
  const UserKey a = user("alice");
  const UserKey b = user("bob");
  ASSERT_TRUE(append_all(a, {entry(kT0 + 5, 1, "x", kTombstoneOp)}).ok());
  ASSERT_TRUE(append_all(b, {entry(kT0 + 7, 1, "y")}).ok());
  clock_.set(kT0 + 5000);
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(head_of(a).horizon, kT0 + 5);
  EXPECT_EQ(head_of(b).horizon, 0);
  EXPECT_EQ(count(b, all_entries(false)), 1);
  ASSERT_TRUE(append_all(a, {entry(kT0 + 6, 1, "z", kTombstoneOp)}).ok());
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(head_of(a).horizon, kT0 + 6);
}

TEST_P(RetentionTest, TheHorizonSurvivesReopening) {
  open_retaining(1000, 1000);
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 5, 1, "x", kTombstoneOp)}).ok());
  clock_.set(kT0 + 5000);
  EXPECT_EQ(purge(), 1);
  open_retaining(1000, 1000);
  EXPECT_EQ(head_of(user("alice")).horizon, kT0 + 5);
}

// A paged traversal from 0 is not refused by the horizon, so removing a tombstone it counted
// would shift its later pages silently: retention waits for it, as compaction does.
TEST_P(RetentionTest, WaitsForAPagedTraversalToBeQuiet) {
  auto o = test::test_maintenance();
  o.clock = &clock_;
  o.retention_ms = 1000;
  o.traversal_quiet_ms = 50;
  open_store(o);
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "b", kTombstoneOp)}).ok());
  clock_.set(kT0 + 5000);
  start_traversal(u);
  EXPECT_EQ(purge(), 0);
  EXPECT_EQ(head_of(u).horizon, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));  // markers use the steady clock
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(head_of(u).horizon, kT0 + 2);
}

TEST_P(RetentionTest, StoredAnswersAreKeptPerUserUntilTheirTtl) {
  open_retaining(/*retention_ms=*/1'000'000, /*response_ttl_ms=*/1000);
  const UserKey a = user("alice");
  const UserKey b = user("bob");
  ASSERT_TRUE(put_answer(a, "k1", kT0).ok());
  ASSERT_TRUE(put_answer(a, "k2", kT0 + 500).ok());
  // A key is unique per user: storing it twice fails (the caller looks it up first).
  EXPECT_FALSE(put_answer(a, "k1", kT0 + 1).ok());
  EXPECT_FALSE(answer(b, "k1").has_value());

  const auto got = answer(a, "k1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->fingerprint, "fp-k1");
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->headers, "X-Mutation-At: 1\n");
  EXPECT_EQ(got->body, R"({"success":true})");

  clock_.set(kT0 + 1000);  // k1 is exactly 1000 ms old: kept (older than the window goes)
  EXPECT_EQ(purge(), 0);
  clock_.set(kT0 + 1001);
  EXPECT_EQ(purge(), 1);
  EXPECT_FALSE(answer(a, "k1").has_value());
  EXPECT_TRUE(answer(a, "k2").has_value());
}

TEST_P(RetentionTest, AStoredAnswerCommitsAndRollsBackWithItsWrites) {
  open_retaining(1'000'000, 1'000'000);
  const UserKey u = user("alice");
  const Status failed = write(*store_, u, [&](WriteTxn& t) -> Status {
    StoredResponse r;
    r.fingerprint = "fp";
    r.status = 200;
    SYNCLOG_RETURN_IF_ERROR(t.put_response("rolled-back", r));
    return make_error(ErrorCode::kOutOfSync, "the write failed after storing its answer");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kOutOfSync);
  EXPECT_FALSE(answer(u, "rolled-back").has_value());
}


TEST_P(StoreTest, ReopeningKeepsUsersRecordsAndLog) {
  const UserKey u = user("alice", kT0);
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1", "", "", R"({"kept":true})")));
                SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 5, 1, "c1")));
                return t.set_head(kT0 + 5);
              }).ok());
  open_store(test::test_maintenance());

  EXPECT_EQ(user("alice", kT0 + 99999), u);
  EXPECT_EQ(head_of(u).head, kT0 + 5);
  EXPECT_EQ(head_of(u).baseline, kT0);
  const auto r = get(u, 1, "c1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"kept":true})");
  EXPECT_EQ(count(u, all_entries(true)), 1);
}

TEST_P(StoreTest, CheckIsOkWhileOpen) { EXPECT_TRUE(store_->check().ok()); }

TEST_P(StoreTest, CallsAfterShutdownFailWithUnavailable) {
  const UserKey u = user("alice");
  store_->shutdown();
  EXPECT_EQ(store_->check().code(), ErrorCode::kUnavailable);
  bool ran = false;
  const Status w = write(*store_, u, [&](WriteTxn&) { ran = true; return Status(); });
  EXPECT_EQ(w.code(), ErrorCode::kUnavailable);
  const Status r = read(*store_, u, [&](ReadTxn&) { ran = true; return Status(); });
  EXPECT_EQ(r.code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(ran);
  const auto nu = resolve_user(*store_, "someone-new", kT0);
  ASSERT_FALSE(nu.ok());
  EXPECT_EQ(nu.error().code, ErrorCode::kUnavailable);
  store_->shutdown();  // idempotent
}


INSTANTIATE_TEST_SUITE_P(storage, StoreTest, ::testing::Values(test::Backend::kSqlite, test::Backend::kPostgres),
                         backend_param_name);
INSTANTIATE_TEST_SUITE_P(storage, CompactionTest,
                         ::testing::Values(test::Backend::kSqlite, test::Backend::kPostgres), backend_param_name);
INSTANTIATE_TEST_SUITE_P(storage, RetentionTest,
                         ::testing::Values(test::Backend::kSqlite, test::Backend::kPostgres), backend_param_name);

}  // namespace
}  // namespace synclog::storage
