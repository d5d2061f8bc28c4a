// The SQLite backend on a real database file: users and their stable first head, atomic
// writes (also inside a commit group), consistent read snapshots, the log's superseded
// entries and their compaction (held back while a paged traversal is in progress), retention
// (tombstones, the horizon, stored idempotent answers), durability
// across reopening, and refusal of work after shutdown.
#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/blocking_store.hpp"
#include "common/clock.hpp"

namespace synclog::storage::sqlite {
namespace {

using test::read;
using test::resolve_user;
using test::write;

constexpr std::int64_t kT0 = 1'700'000'000'000;

Entry entry(std::int64_t ts, std::uint8_t kind, std::string id, std::uint8_t op = 0,
            std::string data = "{}") {
  Entry e;
  e.ts = ts;
  e.kind = kind;
  e.id = std::move(id);
  e.op = op;
  e.created_ts = ts;
  e.data = std::move(data);
  return e;
}

Record record(std::uint8_t kind, std::string id, std::string k1 = {}, std::string k2 = {},
              std::string data = "{}") {
  Record r;
  r.kind = kind;
  r.id = std::move(id);
  r.version = 1;
  r.created_ts = 1;
  r.k1 = std::move(k1);
  r.k2 = std::move(k2);
  r.data = std::move(data);
  return r;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    open_store(test::test_store_options(db_path()));
  }

  std::string db_path() const { return dir_.file("synclog.db"); }

  void open_store(SqliteOptions options) {
    store_.reset();
    auto s = SqliteStore::open(options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }

  UserKey user(const std::string& subject, std::int64_t now = kT0) {
    auto u = resolve_user(*store_, subject, now);
    EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.error().message);
    return u.ok() ? *u : -1;
  }

  UserHead head_of(UserKey u) {
    auto h = test::head_of(*store_, u);
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : UserHead{};
  }

  // Entries after `after` in ts order, as (ts, id) pairs.
  std::vector<std::pair<std::int64_t, std::string>> scan(UserKey u, EntryQuery q,
                                                         std::int64_t offset = 0,
                                                         std::int64_t limit = 1000) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    EXPECT_TRUE(read(*store_, u, [&](ReadTxn& t) {
                  out.clear();
                  return t.scan_entries(q, offset, limit,
                                        [&](const Entry& e) {
                                          out.emplace_back(e.ts, e.id);
                                          return true;
                                        });
                }).ok());
    return out;
  }

  std::int64_t count(UserKey u, EntryQuery q) {
    std::int64_t n = -1;
    EXPECT_TRUE(read(*store_, u, [&](ReadTxn& t) -> Status {
                  SYNCLOG_ASSIGN_OR_RETURN(n, t.count_entries(q));
                  return Status();
                }).ok());
    return n;
  }

  std::optional<Record> get(UserKey u, std::uint8_t kind, const std::string& id) {
    std::optional<Record> out;
    EXPECT_TRUE(read(*store_, u, [&](ReadTxn& t) -> Status {
                  SYNCLOG_ASSIGN_OR_RETURN(out, t.get(kind, id));
                  return Status();
                }).ok());
    return out;
  }

  Status append_all(UserKey u, std::vector<Entry> entries) {
    return write(*store_, u, [entries](WriteTxn& t) -> Status {
      for (const auto& e : entries) SYNCLOG_RETURN_IF_ERROR(t.append(e));
      return t.set_head(entries.back().ts);
    });
  }

  static EntryQuery all_entries(bool include_superseded) {
    EntryQuery q;
    q.include_superseded = include_superseded;
    return q;
  }

  test::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, NewUserStartsWithHeadEqualToBaselineEqualToNow) {
  const UserKey u = user("alice", kT0);
  const UserHead h = head_of(u);
  EXPECT_EQ(h.head, kT0);
  EXPECT_EQ(h.baseline, kT0);
}

TEST_F(SqliteStoreTest, ResolvingAgainReturnsTheSameUserAndKeepsItsHead) {
  const UserKey u = user("alice", kT0);
  EXPECT_EQ(user("alice", kT0 + 5000), u);
  EXPECT_EQ(head_of(u).head, kT0);
  EXPECT_EQ(head_of(u).baseline, kT0);
  const UserKey v = user("bob", kT0 + 7);
  EXPECT_NE(v, u);
  EXPECT_EQ(head_of(v).head, kT0 + 7);
}

TEST_F(SqliteStoreTest, ConcurrentFirstResolvesAgreeOnOneUser) {
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

TEST_F(SqliteStoreTest, SuccessfulWriteIsVisibleToLaterReads) {
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

TEST_F(SqliteStoreTest, CommittedHeadMovesAreToldAndFailedOnesAreNot) {
  std::mutex mu;
  std::vector<std::pair<UserKey, std::int64_t>> told;
  HeadEvents events;
  events.moved = [&](UserKey u, std::int64_t head) {
    std::lock_guard lock(mu);
    told.emplace_back(u, head);
  };
  store_->watch_heads(std::move(events));
  const UserKey u = user("alice");
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
  std::lock_guard lock(mu);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0], std::make_pair(u, kT0 + 1));
}

TEST_F(SqliteStoreTest, FailingWriteLeavesNothingBehind) {
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

TEST_F(SqliteStoreTest, FailingJobInACommitGroupDoesNotAffectTheOthers) {
  const UserKey a = user("alice");
  const UserKey b = user("bob");
  // Hold the writer thread so the next three jobs queue up and commit as one group.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<Status> blocker_done;
  store_->write(a, [released](WriteTxn&) { released.wait(); return Status(); },
                [&](Status s) { blocker_done.set_value(s); });

  std::promise<Status> ok1, bad, ok2;
  store_->write(a, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "kept-a")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "kept-a")));
    return t.set_head(kT0 + 1);
  }, [&](Status s) { ok1.set_value(s); });
  store_->write(a, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "lost")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 2, 1, "lost")));
    SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 2));
    return make_error(ErrorCode::kNotFound, "nope");
  }, [&](Status s) { bad.set_value(s); });
  store_->write(b, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "kept-b")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 3, 1, "kept-b")));
    return t.set_head(kT0 + 3);
  }, [&](Status s) { ok2.set_value(s); });
  release.set_value();

  EXPECT_TRUE(blocker_done.get_future().get().ok());
  EXPECT_TRUE(ok1.get_future().get().ok());
  EXPECT_EQ(bad.get_future().get().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(ok2.get_future().get().ok());

  EXPECT_TRUE(get(a, 1, "kept-a").has_value());
  EXPECT_FALSE(get(a, 1, "lost").has_value());
  EXPECT_TRUE(get(b, 1, "kept-b").has_value());
  EXPECT_EQ(head_of(a).head, kT0 + 1);
  EXPECT_EQ(head_of(b).head, kT0 + 3);
  EXPECT_EQ(scan(a, all_entries(true)), (std::vector<std::pair<std::int64_t, std::string>>{
                                            {kT0 + 1, "kept-a"}}));
}

TEST_F(SqliteStoreTest, ReadSeesOneSnapshotWhileAWriteCommits) {
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

TEST_F(SqliteStoreTest, UsersDoNotSeeEachOthersData) {
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

TEST_F(SqliteStoreTest, RecordsAreFoundByIdKeysAndKind) {
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

TEST_F(SqliteStoreTest, PutReplacesAndEraseRemoves) {
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

TEST_F(SqliteStoreTest, AppendSupersedesThePreviousLiveEntryOfTheSameResource) {
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

TEST_F(SqliteStoreTest, QueriesFilterByCursorAndKindMask) {
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

TEST_F(SqliteStoreTest, ScanHonoursOffsetAndLimit) {
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

TEST_F(SqliteStoreTest, ScanReturnsEveryEntryField) {
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

class SqliteCompactionTest : public SqliteStoreTest {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  // The store reads clock_, which is destroyed before the base class's store_.
  void TearDown() override { store_.reset(); }

  void open_with(std::int64_t traversal_quiet_ms) {
    auto o = test::test_store_options(db_path());
    o.clock = &clock_;
    o.compact_after_ms = 1000;
    o.traversal_quiet_ms = traversal_quiet_ms;
    open_store(o);
  }

  // Three entries for `u`; the first is superseded at kT0 + 3.
  void write_history(UserKey u) {
    ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "b"),
                               entry(kT0 + 3, 1, "a")})
                    .ok());
  }

  // A paged read that declares it will read further pages.
  void start_traversal(UserKey u) {
    ASSERT_TRUE(read(*store_, u, [&](ReadTxn& t) -> Status {
                  SYNCLOG_RETURN_IF_ERROR(t.count_entries(all_entries(true)).status());
                  t.mark_traversal();
                  return Status();
                }).ok());
  }

  std::int64_t compact() {
    auto r = store_->test_compact_now();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : -1;
  }

  ManualClock clock_{kT0};
};

TEST_F(SqliteCompactionTest, KeepsSupersededEntriesYoungerThanTheWindow) {
  open_with(/*traversal_quiet_ms=*/60'000);
  const UserKey u = user("alice");
  write_history(u);
  clock_.set(kT0 + 3 + 999);  // superseded 999 ms ago: not yet
  EXPECT_EQ(compact(), 0);
  EXPECT_EQ(count(u, all_entries(true)), 3);
}

TEST_F(SqliteCompactionTest, RemovesOldSupersededEntriesOnly) {
  open_with(60'000);
  const UserKey u = user("alice");
  write_history(u);
  clock_.set(kT0 + 3 + 1001);
  EXPECT_EQ(compact(), 1);
  EXPECT_EQ(count(u, all_entries(true)), 2);
  EXPECT_EQ(count(u, all_entries(false)), 2);
  EXPECT_EQ(compact(), 0);  // nothing left to do
}

TEST_F(SqliteCompactionTest, SkipsAUserWithARecentTraversal) {
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

TEST_F(SqliteCompactionTest, ReadWithoutTraversalMarkDoesNotHoldCompactionBack) {
  open_with(60 * 60 * 1000);
  const UserKey u = user("alice");
  write_history(u);
  EXPECT_EQ(count(u, all_entries(true)), 3);  // a plain read
  clock_.set(kT0 + 1'000'000);
  EXPECT_EQ(compact(), 1);
}

TEST_F(SqliteCompactionTest, CompactsOnceTheTraversalHasBeenQuiet) {
  open_with(/*traversal_quiet_ms=*/50);
  const UserKey u = user("alice");
  write_history(u);
  start_traversal(u);
  clock_.set(kT0 + 1'000'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(compact(), 1);
  EXPECT_EQ(count(u, all_entries(true)), 2);
}

TEST_F(SqliteCompactionTest, UsersHeldBackByTraversalsDoNotStarveTheOthers) {
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

class SqliteRetentionTest : public SqliteCompactionTest {
 protected:
  void open_retaining(std::int64_t retention_ms, std::int64_t response_ttl_ms) {
    auto o = test::test_store_options(db_path());
    o.clock = &clock_;
    o.retention_ms = retention_ms;
    o.response_ttl_ms = response_ttl_ms;
    open_store(o);
  }
  std::int64_t purge() {
    auto r = store_->test_purge_now();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : -1;
  }
  Status put_answer(UserKey u, const std::string& key, std::int64_t created_ms) {
    return write(*store_, u, [&](WriteTxn& t) {
      StoredResponse r;
      r.fingerprint = "fp-" + key;
      r.created_ms = created_ms;
      r.status = 200;
      r.headers = "X-Mutation-At: 1\n";
      r.body = R"({"success":true})";
      return t.put_response(key, r);
    });
  }
  std::optional<StoredResponse> answer(UserKey u, const std::string& key) {
    std::optional<StoredResponse> out;
    EXPECT_TRUE(write(*store_, u, [&](WriteTxn& t) -> Status {
                  SYNCLOG_ASSIGN_OR_RETURN(out, t.find_response(key));
                  return Status();
                }).ok());
    return out;
  }
};

TEST_F(SqliteRetentionTest, PurgesOldTombstonesAndMovesTheHorizonToTheLatestPurged) {
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

TEST_F(SqliteRetentionTest, TheHorizonIsPerUserAndRisesWithLaterPurges) {
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

TEST_F(SqliteRetentionTest, TheHorizonSurvivesReopening) {
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
TEST_F(SqliteRetentionTest, WaitsForAPagedTraversalToBeQuiet) {
  auto o = test::test_store_options(db_path());
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

TEST_F(SqliteRetentionTest, StoredAnswersAreKeptPerUserUntilTheirTtl) {
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

TEST_F(SqliteRetentionTest, AStoredAnswerCommitsAndRollsBackWithItsWrites) {
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

TEST_F(SqliteStoreTest, ReopeningKeepsUsersRecordsAndLog) {
  const UserKey u = user("alice", kT0);
  ASSERT_TRUE(write(*store_, u, [](WriteTxn& t) -> Status {
                SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "c1", "", "", R"({"kept":true})")));
                SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 5, 1, "c1")));
                return t.set_head(kT0 + 5);
              }).ok());
  store_->shutdown();
  open_store(test::test_store_options(db_path()));

  EXPECT_EQ(user("alice", kT0 + 99999), u);
  EXPECT_EQ(head_of(u).head, kT0 + 5);
  EXPECT_EQ(head_of(u).baseline, kT0);
  const auto r = get(u, 1, "c1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"kept":true})");
  EXPECT_EQ(count(u, all_entries(true)), 1);
}

TEST_F(SqliteStoreTest, CheckIsOkWhileOpen) { EXPECT_TRUE(store_->check().ok()); }

TEST_F(SqliteStoreTest, CallsAfterShutdownFailWithUnavailable) {
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

TEST_F(SqliteStoreTest, OpeningAnUnwritablePathFails) {
  auto o = test::test_store_options(dir_.file("no/such/dir/x.db"));
  auto s = SqliteStore::open(o);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace synclog::storage::sqlite
