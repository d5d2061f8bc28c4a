// What only the PostgreSQL backend does: several stores ("nodes") on one database. Writes of one
// user from both are serialised by the database (no lost update, ts strictly increasing), first
// resolves race to one uid, a head move on one node reaches the other's listener, and a
// traversal marked through one node holds back compaction run by the other. Also: a database
// that cannot be reached is a clear error, migrations are recorded and idempotent, and
// pipelining cuts a push's round trips (measured on a 100-mutation push through the domain).
#include "storage/postgres/pg_store.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "domain/push.hpp"
#include "domain/push_parser.hpp"
#include "storage/postgres/pg_schema.hpp"
#include "store_fixture.hpp"
#include "temp_dir.hpp"

namespace synclog::storage::postgres {
namespace {

class PgStoreTest : public CompactionTest {
 protected:
  void SetUp() override {
    create_database();
    if (IsSkipped() || HasFatalFailure()) return;
    open_store(test::test_maintenance());
    second_ = open_node(test::test_maintenance());
  }
  void TearDown() override {
    if (second_) second_->shutdown();
    second_.reset();
    CompactionTest::TearDown();
  }

  std::unique_ptr<Store> open_node(const MaintenanceOptions& m) {
    auto s = db_->open(m);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Reopens both nodes with the manual clock, compaction after 1 s and traversals quiet after
  // an hour.
  void open_both_for_compaction() {
    MaintenanceOptions m = test::test_maintenance();
    m.clock = &clock_;
    m.compact_after_ms = 1000;
    m.traversal_quiet_ms = 60 * 60 * 1000;
    open_store(m);
    second_->shutdown();
    second_ = open_node(m);
    ASSERT_TRUE(second_);
  }

  std::unique_ptr<Store> second_;  // another node on the same database
};

// Each write reads a counter record and writes it back plus one, with the mutation clock's ts:
// a lost update would leave the counter short, a clock race would clash on (uid, ts).
TEST_P(PgStoreTest, WritesOfOneUserFromTwoNodesAreSerialised) {
  ASSERT_TRUE(second_);
  const UserKey u = user("alice");
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    Store* node = t % 2 == 0 ? store_.get() : second_.get();
    threads.emplace_back([node, u, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        const Status s = write(*node, u, [](WriteTxn& txn) -> Status {
          SYNCLOG_ASSIGN_OR_RETURN(const UserHead h, txn.head());
          SYNCLOG_ASSIGN_OR_RETURN(const auto counter, txn.get(1, "counter"));
          const int n = counter ? std::stoi(counter->data) : 0;
          const std::int64_t ts = std::max(kT0, h.head + 1);
          SYNCLOG_RETURN_IF_ERROR(txn.put(record(1, "counter", "", "", std::to_string(n + 1))));
          SYNCLOG_RETURN_IF_ERROR(txn.append(entry(ts, 1, "counter")));
          return txn.set_head(ts);
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto counter = get(u, 1, "counter");
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->data, std::to_string(4 * kPerThread));
  const auto all = scan(u, all_entries(true));
  ASSERT_EQ(all.size(), static_cast<std::size_t>(4 * kPerThread));
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].first, all[i].first);
  EXPECT_EQ(head_of(u).head, all.back().first);
}

TEST_P(PgStoreTest, FirstResolvesOnTwoNodesAgreeOnOneUser) {
  ASSERT_TRUE(second_);
  for (int round = 0; round < 5; ++round) {
    const std::string subject = "carol-" + std::to_string(round);
    std::vector<std::future<Result<UserKey>>> results;
    for (int i = 0; i < 8; ++i) {
      Store* node = i % 2 == 0 ? store_.get() : second_.get();
      results.push_back(std::async(std::launch::async, [node, subject, i] {
        return resolve_user(*node, subject, kT0 + i);
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
  EXPECT_NE(user("dave"), user("erin"));
}

TEST_P(PgStoreTest, AHeadMoveOnOneNodeReachesTheOthersListener) {
  ASSERT_TRUE(second_);
  HeadRecorder recorder;
  second_->watch_heads(recorder.events());
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a"), entry(kT0 + 2, 1, "b")}).ok());
  const auto told = recorder.wait_until([](const auto& t) { return !t.empty(); });
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->front(), std::make_pair(u, kT0 + 2));
}

// A listener whose connection is lost (here: terminated by the server) reconnects, tells its
// server to resync, and hears later moves again.
TEST_P(PgStoreTest, AListenerThatLostItsConnectionResyncsAndHearsAgain) {
  HeadRecorder recorder;
  std::promise<void> resynced;
  std::atomic<bool> once{false};
  HeadEvents events = recorder.events();
  events.resync = [&] {
    if (!once.exchange(true)) resynced.set_value();
  };
  store_->watch_heads(std::move(events));
  auto admin = PgConnection::connect(db_->location(), false);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  ASSERT_TRUE((*admin)->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND query = 'LISTEN synclog_heads'")
                  .ok());
  ASSERT_EQ(resynced.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(store_->check().ok());
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a")}).ok());
  const auto told = recorder.wait_until([&](const auto& t) { return !t.empty(); });
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->back(), std::make_pair(u, kT0 + 1));
  store_->shutdown();  // before `resynced` and `once` go: no resync may reach them later
}

TEST_P(PgStoreTest, ATraversalMarkedThroughOneNodeHoldsBackCompactionOnTheOther) {
  ASSERT_NO_FATAL_FAILURE(open_both_for_compaction());
  const UserKey paging = user("alice");
  const UserKey idle = user("bob");
  write_history(paging);
  write_history(idle);
  start_traversal(paging);  // through the first node
  clock_.set(kT0 + 1'000'000);
  auto removed = test::compact_now(*second_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);  // bob's only
  EXPECT_EQ(count(paging, all_entries(true)), 3);
  EXPECT_EQ(count(idle, all_entries(true)), 2);
}

// A paged read whose snapshot predates a compaction of its user must not record its marker on
// the strength of entries the compaction removed: it reads again on a fresh snapshot.
TEST_P(PgStoreTest, APagedReadRacingACompactionReadsAgain) {
  ASSERT_NO_FATAL_FAILURE(open_both_for_compaction());
  const UserKey u = user("alice");
  write_history(u);
  clock_.set(kT0 + 1'000'000);
  std::promise<void> first_run_counted;
  std::promise<void> compacted;
  auto compacted_f = compacted.get_future().share();
  std::vector<std::int64_t> counts;
  std::promise<Status> read_done;
  store_->read(u, [&](ReadTxn& t) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t n, t.count_entries(all_entries(true)));
    counts.push_back(n);
    t.mark_traversal();
    if (counts.size() == 1) {
      first_run_counted.set_value();
      compacted_f.wait();
    }
    return Status();
  }, [&](Status s) { read_done.set_value(s); });
  first_run_counted.get_future().wait();
  auto removed = test::compact_now(*second_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  compacted.set_value();
  ASSERT_TRUE(read_done.get_future().get().ok());
  EXPECT_EQ(counts, (std::vector<std::int64_t>{3, 2}));
}

// PostgreSQL answers COMMIT in an aborted transaction with tag ROLLBACK and no error. A write
// that ignored a deferred statement's failure (reported by its next read) and returned OK must
// get an error, not an acknowledgement of writes that were rolled back.
TEST_P(PgStoreTest, AWriteWhoseFailedStatementWasIgnoredIsNotAcknowledged) {
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a")}).ok());
  const Status s = write(*store_, u, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "lost")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "b")));  // same ts: fails when it runs
    t.get(1, "lost").status().ignore();                        // reports that failure, ignored
    return Status();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(get(u, 1, "lost").has_value());
  EXPECT_EQ(scan(u, all_entries(true)).size(), 1u);
}

// Terminates every session on the test database but `admin`'s and waits until they are gone.
void terminate_other_sessions(PgConnection& admin) {
  auto pids = admin.query(PgStatement{nullptr,
                                      "SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"});
  ASSERT_TRUE(pids.ok()) << pids.error().message;
  for (int i = 0; i < pids->rows(); ++i) {
    const std::int64_t pid = pids->int_at(i, 1);
    for (int tries = 0;; ++tries) {
      auto left = admin.query(PgStatement{nullptr, "SELECT 1 FROM pg_stat_activity WHERE pid = $1"},
                              PgParams().add(pid));
      ASSERT_TRUE(left.ok()) << left.error().message;
      if (left->rows() == 0) break;
      ASSERT_LT(tries, 500) << "session " << pid << " outlived pg_terminate_backend";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

// Pooled connections whose sessions died (terminated, a restart, a failover, an idle timeout)
// look alive until used. The job that finds one dead before anything of its own reached the
// server runs again on a fresh connection, so callers see no failure at all.
TEST_P(PgStoreTest, JobsOnConnectionsWhoseSessionsDiedAreRunAgain) {
  PgOptions o = db_->pg_options();
  o.connections = 1;  // every job meets the dead session
  auto opened = PgStore::open(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  PgStore& s = **opened;
  auto admin = PgConnection::connect(db_->location(), false);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  auto u = resolve_user(s, "alice", kT0);
  ASSERT_TRUE(u.ok()) << u.error().message;

  ASSERT_NO_FATAL_FAILURE(terminate_other_sessions(**admin));
  const Status written = write(s, *u, [](WriteTxn& t) { return t.put(record(1, "r1")); });
  EXPECT_TRUE(written.ok()) << written.message();

  ASSERT_NO_FATAL_FAILURE(terminate_other_sessions(**admin));
  std::optional<Record> found;
  const Status read_back = read(s, *u, [&](ReadTxn& t) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(found, t.get(1, "r1"));
    return Status();
  });
  EXPECT_TRUE(read_back.ok()) << read_back.message();
  EXPECT_TRUE(found.has_value());

  ASSERT_NO_FATAL_FAILURE(terminate_other_sessions(**admin));
  auto v = resolve_user(s, "bob", kT0);
  EXPECT_TRUE(v.ok()) << v.error().message;
  s.shutdown();
}

// The database's own words (statements, constraints, connection details) are for the operator:
// a failed job's caller, and through it an HTTP client, gets a generic message of the same code.
TEST_P(PgStoreTest, DatabaseErrorsReachTheCallerWithoutTheDatabasesText) {
  const UserKey u = user("alice");
  ASSERT_TRUE(append_all(u, {entry(kT0 + 1, 1, "a")}).ok());
  const Status s = append_all(u, {entry(kT0 + 1, 1, "b")});  // (uid, ts) taken
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(s.message().find("postgres"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("duplicate"), std::string::npos) << s.message();
}

// The server process of this database's session named `application_name` other than `not`, or
// 0 when there is none.
std::int64_t backend_pid(PgConnection& admin, const char* application_name, std::int64_t not_pid = 0) {
  auto r = admin.query(PgStatement{nullptr,
                                   "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND application_name = $1 AND pid <> $2"},
                       PgParams().add(std::string_view(application_name)).add(not_pid));
  return r.ok() && r->rows() == 1 ? r->int_at(0, 0) : 0;
}

// Resumes stopped server processes however the test ends, so the cluster is left healthy.
struct ResumeOnExit {
  std::vector<pid_t> pids;
  ~ResumeOnExit() {
    for (pid_t p : pids) ::kill(p, SIGCONT);
  }
};

// A half-open link (its server process stopped: no answer, no error, ever) must not keep the
// listener deaf or the store from shutting down: the probe gives up within its deadline, the
// listener reconnects and resyncs, and a shutdown during an unanswered probe returns at once.
TEST_P(PgStoreTest, AListenerOnAHalfOpenLinkGivesItUpAndShutdownDoesNotWaitForIt) {
  store_->shutdown();  // the fixture's nodes: their listeners would be found too
  second_->shutdown();
  PgOptions o = db_->pg_options();
  o.connections = 1;
  auto opened = PgStore::open(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  PgStore& s = **opened;
  std::promise<void> resynced;
  std::atomic<bool> once{false};
  HeadEvents events;
  events.resync = [&] {
    if (!once.exchange(true)) resynced.set_value();
  };
  s.watch_heads(std::move(events));
  auto admin = PgConnection::connect(db_->location(), false);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  ResumeOnExit resume;

  const std::int64_t first = backend_pid(**admin, "synclog-listener");
  ASSERT_NE(first, 0);
  ASSERT_EQ(::kill(static_cast<pid_t>(first), SIGSTOP), 0);
  resume.pids.push_back(static_cast<pid_t>(first));
  // Idle wait (5 s) plus the probe's deadline (5 s), with room to spare.
  ASSERT_EQ(resynced.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);

  // The listener's new session, stopped too; shut down while its probe waits for an answer.
  std::int64_t second = 0;
  for (int tries = 0; second == 0 && tries < 100; ++tries) {
    second = backend_pid(**admin, "synclog-listener", first);
    if (second == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(second, 0);
  ASSERT_EQ(::kill(static_cast<pid_t>(second), SIGSTOP), 0);
  resume.pids.push_back(static_cast<pid_t>(second));
  std::this_thread::sleep_for(std::chrono::seconds(6));  // past the idle wait: the probe is out
  auto stopped = std::async(std::launch::async, [&] { s.shutdown(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  for (pid_t p : resume.pids) ::kill(p, SIGCONT);  // lets a shutdown that waited finish
  stopped.get();
}

TEST_P(PgStoreTest, ConnectionsGetTcpKeepalivesAndANameUnlessTheConninfoSetsThem) {
  auto c = PgConnection::connect(db_->location() + "&keepalives_idle=7", false, nullptr, "synclog-test");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->setting("keepalives"), "1");
  EXPECT_EQ((*c)->setting("keepalives_idle"), "7");
  EXPECT_EQ((*c)->setting("keepalives_interval"), "10");
  EXPECT_EQ((*c)->setting("keepalives_count"), "3");
  EXPECT_EQ((*c)->setting("tcp_user_timeout"), "30000");
  EXPECT_EQ((*c)->setting("application_name"), "synclog-test");
}

// A pipeline that ends out of step (here: COPY, whose results a pipeline cannot carry) leaves
// results nobody read: the connection is reset, so no later statement reads them as its own.
TEST_P(PgStoreTest, AConnectionWhosePipelineEndedOutOfStepIsReset) {
  auto c = PgConnection::connect(db_->location(), /*pipeline=*/true);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE((*c)->defer(PgStatement{nullptr, "COPY (SELECT 1) TO STDOUT"}).ok());
  auto r = (*c)->query(PgStatement{nullptr, "SELECT 2"});
  EXPECT_FALSE(r.ok());
  for (int i = 3; i < 6; ++i) {
    auto next = (*c)->query(PgStatement{nullptr, "SELECT $1::int"}, PgParams().add(std::int64_t{i}));
    ASSERT_TRUE(next.ok()) << next.error().message;
    ASSERT_EQ(next->rows(), 1);
    EXPECT_EQ(next->int_at(0, 0), i);
  }
}

// A deferred statement's failure rolls its transaction back and reaches done, and the next job
// on the same connection (there is only one) starts clean.
TEST_P(PgStoreTest, AfterADeferredStatementFailedTheConnectionServesTheNextJob) {
  PgOptions o = db_->pg_options();
  o.connections = 1;
  auto opened = PgStore::open(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  PgStore& s = **opened;
  auto u = resolve_user(s, "alice", kT0);
  ASSERT_TRUE(u.ok()) << u.error().message;
  ASSERT_TRUE(write(s, *u, [](WriteTxn& t) { return t.append(entry(kT0 + 1, 1, "a")); }).ok());
  const Status failed = write(s, *u, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "rolled-back")));
    return t.append(entry(kT0 + 1, 1, "b"));  // (uid, ts) taken: fails at COMMIT's sync
  });
  EXPECT_FALSE(failed.ok());
  const Status next = write(s, *u, [](WriteTxn& t) { return t.put(record(1, "kept")); });
  EXPECT_TRUE(next.ok()) << next.message();
  std::optional<Record> rolled_back, kept;
  ASSERT_TRUE(read(s, *u, [&](ReadTxn& t) -> Status {
                SYNCLOG_ASSIGN_OR_RETURN(rolled_back, t.get(1, "rolled-back"));
                SYNCLOG_ASSIGN_OR_RETURN(kept, t.get(1, "kept"));
                return Status();
              }).ok());
  EXPECT_FALSE(rolled_back.has_value());
  EXPECT_TRUE(kept.has_value());
  s.shutdown();
}

TEST_P(PgStoreTest, AnUnreachableDatabaseIsAClearError) {
  PgOptions o = db_->pg_options();
  o.conninfo = "postgresql:///nowhere?host=/nonexistent-synclog-dir&user=postgres";
  auto s = PgStore::open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(s.error().message.find("cannot connect to postgresql:///nowhere"), std::string::npos)
      << s.error().message;
}

TEST_P(PgStoreTest, MigrationsAreRecordedAndRunOnce) {
  auto c = PgConnection::connect(db_->location(), false);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto v = schema_version(**c);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, kPgSchemaVersion);
  auto again = migrate(**c);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->before, kPgSchemaVersion);
  EXPECT_EQ(again->after, kPgSchemaVersion);
}

TEST_P(PgStoreTest, CheckFailsOnceShutDown) {
  EXPECT_TRUE(store_->check().ok());
  store_->shutdown();
  EXPECT_EQ(store_->check().code(), ErrorCode::kUnavailable);
}

// Measures a 100-mutation push (100 COLLECTION creates through the domain), with and without
// pipelining; prints both. Pipelined, the statements that return nothing ride along with the
// next read, so the push costs about one round trip per mutation.
TEST_P(PgStoreTest, PipeliningCutsTheRoundTripsOfAPush) {
  std::string items;
  for (int i = 0; i < 100; ++i) {
    items += std::string(i == 0 ? "" : ",") + R"({"type":"CREATE","resource":"COLLECTION","resourceId":"c)" +
             std::to_string(i) + R"(","data":{"name":"n)" + std::to_string(i) + R"("}})";
  }
  auto parsed = domain::parse_push_body(boost::json::parse(R"({"mutations":[)" + items + "]}"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  std::int64_t trips[2] = {0, 0};
  double ms[2] = {0, 0};
  for (int pipelined = 0; pipelined < 2; ++pipelined) {
    PgOptions o = db_->pg_options();
    o.connections = 1;
    o.pipeline = pipelined == 1;
    auto opened = PgStore::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    PgStore& s = **opened;
    const std::string subject = pipelined ? "piped" : "plain";
    auto u = resolve_user(s, subject, kT0);
    ASSERT_TRUE(u.ok());
    domain::PushRequest req;
    req.last_mutation_at = kT0;
    req.mutations = *parsed;
    req.client_id = "bench";
    // Once to prepare the statements, then measured on a fresh user.
    ASSERT_TRUE(write(s, *u, [&](WriteTxn& t) { return domain::apply_push(t, req, kT0 + 10).status(); }).ok());
    auto v = resolve_user(s, subject + "-measured", kT0);
    ASSERT_TRUE(v.ok());
    const std::int64_t before = s.round_trips();
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(write(s, *v, [&](WriteTxn& t) { return domain::apply_push(t, req, kT0 + 10).status(); }).ok());
    ms[pipelined] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    trips[pipelined] = s.round_trips() - before;
    s.shutdown();
  }
  std::printf("100-mutation push: %lld round trips, %.1f ms without pipelining; %lld round trips, %.1f ms with\n",
              static_cast<long long>(trips[0]), ms[0], static_cast<long long>(trips[1]), ms[1]);
  RecordProperty("round_trips_plain", static_cast<int>(trips[0]));
  RecordProperty("round_trips_pipelined", static_cast<int>(trips[1]));
  EXPECT_LT(trips[1], trips[0]);
  EXPECT_LE(trips[1], 110);
}

// What the backend's tooling does without a database (parameterised like the rest, so that every
// instantiation here is named "storage").
class PgNoDatabaseTest : public ::testing::TestWithParam<test::Backend> {};

// What serve's listening line and connection errors print of a --db value: never a password,
// whichever way it was given.
TEST_P(PgNoDatabaseTest, RedactionHidesEveryPassword) {
  EXPECT_EQ(redact_conninfo("postgresql://app:s3cret@db.example/synclog"), "postgresql://app:***@db.example/synclog");
  EXPECT_EQ(redact_conninfo("postgres://db.example:5432/synclog?user=app&password=s3cret&sslmode=require"),
            "postgres://db.example:5432/synclog?user=app&password=***&sslmode=require");
  EXPECT_EQ(redact_conninfo("postgresql:///synclog?password=s3cret"), "postgresql:///synclog?password=***");
  EXPECT_EQ(redact_conninfo("postgresql://app:a@db/x?sslpassword=k3y&password=p"),
            "postgresql://app:***@db/x?sslpassword=***&password=***");
  EXPECT_EQ(redact_conninfo("host=db password=s3cret dbname=synclog"), "host=db password=*** dbname=synclog");
  EXPECT_EQ(redact_conninfo("host=db password = 's3 cr\\'et' user=app"), "host=db password = *** user=app");
  EXPECT_EQ(redact_conninfo("password=s3cret"), "password=***");
  // Nothing secret: unchanged.
  EXPECT_EQ(redact_conninfo("postgresql://app@db.example:5432/synclog?sslmode=require"),
            "postgresql://app@db.example:5432/synclog?sslmode=require");
  EXPECT_EQ(redact_conninfo("host=db user=app dbname=synclog"), "host=db user=app dbname=synclog");
  EXPECT_EQ(redact_conninfo("postgresql:///synclog?host=/tmp/a@b:c"), "postgresql:///synclog?host=/tmp/a@b:c");
}

// scripts/test-postgres runs the newest of several installed servers (by version, not by the
// glob's order, where 9.6 comes after 15). Needs no database: the installs here are fakes.
TEST_P(PgNoDatabaseTest, TestClusterScriptPicksTheNewestServer) {
  test::TempDir root;
  ASSERT_TRUE(root.ok());
  for (const char* version : {"10", "15", "9.6"}) {
    const auto bin = root.path() / version / "bin";
    std::filesystem::create_directories(bin);
    std::ofstream(bin / "initdb") << "#!/bin/sh\n";
    std::filesystem::permissions(bin / "initdb", std::filesystem::perms::owner_all);
  }
  const auto script = std::filesystem::path(__FILE__).parent_path() / "../../../scripts/test-postgres";
  const std::string command = "SYNCLOG_PG_ROOT='" + root.path().string() + "' '" + script.string() + "' bindir";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    EXPECT_EQ(::pclose(p), 0);
  }
  EXPECT_EQ(out, (root.path() / "15" / "bin").string() + "\n");
}

INSTANTIATE_TEST_SUITE_P(storage, PgNoDatabaseTest, ::testing::Values(test::Backend::kPostgres), backend_param_name);

INSTANTIATE_TEST_SUITE_P(storage, PgStoreTest, ::testing::Values(test::Backend::kPostgres), backend_param_name);

}  // namespace
}  // namespace synclog::storage::postgres
