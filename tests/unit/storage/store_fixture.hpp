// The storage conformance suite's fixtures: a fresh database of one backend per test (the
// test's parameter), the store on it, and short helpers for rows, reads and writes. Shared by
// the suite (store_test.cpp) and the backend-specific tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "blocking_store.hpp"
#include "common/clock.hpp"
#include "store_factory.hpp"
#include "storage/store.hpp"

namespace synclog::storage {

using test::read;
using test::resolve_user;
using test::write;

inline constexpr std::int64_t kT0 = 1'700'000'000'000;

inline Entry entry(std::int64_t ts, std::uint8_t kind, std::string id, std::uint8_t op = 0,
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

inline Record record(std::uint8_t kind, std::string id, std::string k1 = {}, std::string k2 = {},
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

class StoreTest : public ::testing::TestWithParam<test::Backend> {
 protected:
  void SetUp() override {
    create_database();
    if (IsSkipped() || HasFatalFailure()) return;
    open_store(test::test_maintenance());
  }

  // A fresh database of the test's backend (skips when the backend cannot run here).
  void create_database() {
    db_ = std::make_unique<test::BackendDatabase>(GetParam());
    if (auto why = db_->unavailable()) GTEST_SKIP() << *why;
    const Status s = db_->create();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void open_store(const MaintenanceOptions& options) {
    if (store_) store_->shutdown();
    store_.reset();
    auto s = db_->open(options);
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

  std::unique_ptr<test::BackendDatabase> db_;
  std::unique_ptr<Store> store_;
};

class CompactionTest : public StoreTest {
 protected:
  void SetUp() override { create_database(); }
  // The store reads clock_, which is destroyed before the base class's store_.
  void TearDown() override { store_.reset(); }

  void open_with(std::int64_t traversal_quiet_ms) {
    auto o = test::test_maintenance();
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
    auto r = test::compact_now(*store_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : -1;
  }

  ManualClock clock_{kT0};
};

class RetentionTest : public CompactionTest {
 protected:
  void open_retaining(std::int64_t retention_ms, std::int64_t response_ttl_ms) {
    auto o = test::test_maintenance();
    o.clock = &clock_;
    o.retention_ms = retention_ms;
    o.response_ttl_ms = response_ttl_ms;
    open_store(o);
  }
  std::int64_t purge() {
    auto r = test::purge_now(*store_);
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

// Records the head moves a store tells (HeadEvents::moved), from whichever thread, and waits
// for them: PostgreSQL tells them through the database, after the write has completed.
class HeadRecorder {
 public:
  HeadEvents events() {
    HeadEvents e;
    e.moved = [this](UserKey u, std::int64_t head) {
      std::lock_guard lock(mu_);
      told_.emplace_back(u, head);
      cv_.notify_all();
    };
    return e;
  }
  // Waits (up to 10 s) until `pred(told)` holds; returns every move told so far.
  template <class Pred>
  std::optional<std::vector<std::pair<UserKey, std::int64_t>>> wait_until(Pred pred) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return pred(told_); })) return std::nullopt;
    return told_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<UserKey, std::int64_t>> told_;  // guarded by mu_
};

// Names instantiations after the backend: storage/StoreTest.<test>/Sqlite and /Postgres (every
// instantiation is named "storage", so `ctest -R storage` finds them all).
inline std::string backend_param_name(const ::testing::TestParamInfo<test::Backend>& info) {
  return test::backend_name(info.param);
}

}  // namespace synclog::storage
