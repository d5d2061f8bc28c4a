// The SDK's sync engine against the real server: several devices of one user (each a LocalStore
// file) editing offline and syncing in every order must converge with nothing typed lost, and
// the engine must survive what a phone's network and life do to it: 409 rounds, lost and cut
// answers (the fault proxy), a crash with a batch in flight, a refused mutation, a 410 resync.
// Each conflict strategy is checked on a same-field and a different-field concurrent edit. A
// listening device converges on the events it hears alone, across a server restart.
#include "synclog/client/sync_engine.hpp"

#include "client/sync_queue.hpp"
#include "client/sync_wire.hpp"

#include "status_matchers.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "fault_proxy.hpp"
#include "listening_device.hpp"
#include "metric_wait.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"
#include "sync_api.hpp"

namespace synclog::client {
namespace {

namespace json = boost::json;
using test::Fault;
using test::FaultProxy;
using test::ServerProcess;
using test::TempDir;

// One device: its file, its engine, and what the engine told it.
struct Device {
  Device(std::string path, std::string url, std::string token, SyncOptions options = fast())
      : path_(std::move(path)), url_(std::move(url)), token_(std::move(token)), options_(options) {
    open();
  }
  static SyncOptions fast() {
    SyncOptions o;
    o.backoff_base = std::chrono::milliseconds(10);
    o.backoff_cap = std::chrono::milliseconds(200);
    o.request_timeout = std::chrono::milliseconds(5000);
    // The per-user data only: these tests count its requests and streams exactly
    // (client_spaces_test.cpp covers the spaces).
    o.spaces = false;
    return o;
  }
  void open() {
    engine.reset();
    store.reset();
    auto s = LocalStore::open(path_);
    if (!s.ok()) throw std::runtime_error(s.error().message);
    store = std::move(*s);
    if (!store->set_server_url(url_).ok() || !store->set_token(token_).ok()) {
      throw std::runtime_error("cannot configure the device file");
    }
    engine = std::make_unique<SyncEngine>(*store, options_);
    engine->on_event([this](const SyncEvent& e) { events.push_back(e); });
  }
  Result<SyncReport> sync() { return engine->sync(); }
  std::string put(Resource r, const std::string& data, const std::string& id = "") {
    auto got = id.empty() ? store->put(r, data) : store->put(r, data, std::string_view(id));
    if (!got.ok()) throw std::runtime_error(got.error().message);
    return *got;
  }
  std::optional<json::object> get(Resource r, const std::string& id) {
    auto got = store->get(r, id);
    if (!got.ok() || !*got) return std::nullopt;
    return json::parse((*got)->data).as_object();
  }
  std::vector<const SyncEvent*> events_for(const std::string& id, Outcome o) const {
    std::vector<const SyncEvent*> out;
    for (const auto& e : events)
      if (e.id == id && e.outcome == o) out.push_back(&e);
    return out;
  }

  std::string path_, url_, token_;
  SyncOptions options_;
  std::unique_ptr<LocalStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::vector<SyncEvent> events;
};

// What a device holds, in a form two devices can compare: per resource, id -> the fields a
// user typed (the server adds derived ones such as slug; the pushing device does not have
// them until it pulls the record again).
using Snapshot = std::map<std::string, std::string>;
Snapshot snapshot(LocalStore& store) {
  static const std::vector<std::string> kTyped = {"body",  "ranges", "name", "key",
                                                  "type",  "verseNumber", "collectionId",
                                                  "bookmarkId", "chapterNumber"};
  Snapshot out;
  for (Resource r : kAllResources) {
    auto list = store.list(r);
    if (!list.ok()) continue;
    for (const auto& rec : *list) {
      const auto o = json::parse(rec.data).as_object();
      json::object typed;
      for (const auto& f : kTyped)
        if (const auto* v = o.if_contains(f)) typed[f] = *v;
      out[std::string(resource_name(r)) + "/" + rec.id] = json::serialize(typed);
    }
  }
  return out;
}

std::string note(const std::string& body, const std::string& ranges = "1:1-1:2") {
  return R"({"body":")" + body + R"(","ranges":[")" + ranges + R"("]})";
}

class ClientEngineTest : public ::testing::Test {
 protected:
  std::string url(std::uint16_t port) const { return "http://127.0.0.1:" + std::to_string(port); }
  std::unique_ptr<Device> device(const std::string& name, std::uint16_t port = 0,
                                 SyncOptions options = Device::fast()) {
    return std::make_unique<Device>(dir_.file(name + ".db"), url(port ? port : server_.port()),
                                    server_.token("alice"), options);
  }

  // The server's latest state of a note, from a pull from 0.
  json::object server_note(const std::string& id) {
    test::SyncApi api(server_, "alice", "checker");
    const auto entries = test::pulls::entries_for(test::pulls::pulled(api, 0), "NOTE", id);
    if (entries.empty()) return {};
    return entries.back().at("data").as_object();
  }

  TempDir dir_;
  ServerProcess server_{{"--rate-limit", "0"}};
};

TEST_F(ClientEngineTest, OfflineEditsOnThreeDevicesConvergeInEveryOrder) {
  auto a = device("a"), b = device("b"), c = device("c");
  // A shared starting point.
  const auto shared = a->put(Resource::kNote, note("the shared note"));
  const auto coll = a->put(Resource::kCollection, R"({"name":"Duas"})");
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  ASSERT_OK(c->sync());
  ASSERT_TRUE(b->get(Resource::kNote, shared));

  std::set<std::string> typed;  // every note body anyone typed and did not delete
  // Every order in which three devices can come back online.
  std::vector<std::vector<Device*>> orders;
  std::vector<Device*> permutation = {a.get(), b.get(), c.get()};
  std::sort(permutation.begin(), permutation.end());
  do orders.push_back(permutation);
  while (std::next_permutation(permutation.begin(), permutation.end()));
  int round = 0;
  for (const auto& order : orders) {
    ++round;
    for (Device* d : {a.get(), b.get(), c.get()}) {
      const std::string tag = d->path_.substr(d->path_.size() - 4, 1) + std::to_string(round);
      typed.insert("note from " + tag);
      d->put(Resource::kNote, note("note from " + tag));
      const auto bm = d->put(Resource::kBookmark,
                             R"({"type":"ayah","key":)" + std::to_string(round + 1) +
                                 R"(,"verseNumber":)" + std::to_string(tag[0]) + "}");
      d->put(Resource::kCollectionBookmark,
             R"({"collectionId":")" + coll + R"(","bookmarkId":")" + bm + R"("})");
      d->put(Resource::kReadingSession, R"({"chapterNumber":2,"verseNumber":)" +
                                            std::to_string(round) + "}");
    }
    for (Device* d : order) ASSERT_OK(d->sync());
    // A second pass lets the first devices pull what the later ones pushed.
    for (Device* d : order) ASSERT_OK(d->sync());
    const auto want = snapshot(*a->store);
    EXPECT_EQ(snapshot(*b->store), want) << "round " << round;
    EXPECT_EQ(snapshot(*c->store), want) << "round " << round;
    for (Device* d : order) EXPECT_EQ(*d->store->queue_length(), 0);
  }
  // Nothing typed was lost: every body is on every device.
  std::set<std::string> bodies;
  const auto notes = c->store->list(Resource::kNote);
  ASSERT_TRUE(notes.ok());
  for (const auto& rec : *notes) {
    bodies.insert(std::string(json::parse(rec.data).at("body").as_string()));
  }
  for (const auto& t : typed) EXPECT_TRUE(bodies.count(t)) << t;
  // ...and exactly once on the server.
  test::SyncApi api(server_, "alice", "checker");
  const auto pulled = api.pull(0).json().at("data").at("mutations").as_array();
  std::map<std::string, int> on_server;
  for (const auto& m : pulled) {
    if (m.at("resource") == "NOTE" && m.at("type") != "DELETE") {
      ++on_server[std::string(m.at("data").at("body").as_string())];
    }
  }
  for (const auto& t : typed) EXPECT_EQ(on_server[t], 1) << t;
}

// Strict mode (field_mode off): what a server that does not know conflictMode=field does to a
// push at a stale head.
TEST_F(ClientEngineTest, APushThatMeetsA409PullsSettlesAndPushesAgain) {
  SyncOptions strict = Device::fast();
  strict.field_mode = false;
  auto a = device("a"), b = device("b", 0, strict);
  const auto n = a->put(Resource::kNote, note("first version of it"));
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  b->put(Resource::kNote, note("written on b offline"));
  // Another device writes right after b's pull, so b's push is at a stale head.
  test::SyncApi other(server_, "alice", "other-device");
  bool wrote = false;
  b->engine->on_progress([&](const SyncProgress& p) {
    if (p.phase == SyncProgress::Phase::kPull && !wrote) {
      wrote = true;
      other.push_ok(R"([{"type":"UPDATE","resource":"NOTE","resourceId":")" + n +
                    R"(","data":{"body":"changed by the other device"}}])");
    }
  });
  auto report = b->sync();
  ASSERT_OK(report);
  EXPECT_GE(report->out_of_sync, 1);
  EXPECT_EQ(*b->store->queue_length(), 0);
  EXPECT_EQ(b->get(Resource::kNote, n)->at("body"), "changed by the other device");
  ASSERT_OK(a->sync());
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
}

// The race field mode is for: b pulled, then a edited the note's body and synced, then b pushes
// its offline edit of the ranges at its stale head. In strict mode that is a 409 round and, with
// server wins, b's ranges are lost; in field mode the server merges the two edits.
TEST_F(ClientEngineTest, ARaceWithAnEditOfOtherFieldsIsMergedByTheServerWithoutA409) {
  for (const bool field_mode : {false, true}) {
    SCOPED_TRACE(field_mode ? "field mode" : "strict mode");
    SyncOptions options = Device::fast();
    options.field_mode = field_mode;
    const std::string tag = field_mode ? "field" : "strict";
    auto a = device("race-a-" + tag), b = device("race-b-" + tag, 0, options);
    const std::string id = "race-" + tag;
    a->put(Resource::kNote, note("the original body", "1:1-1:2"), id);
    ASSERT_OK(a->sync());
    ASSERT_OK(b->sync());
    b->put(Resource::kNote, R"({"ranges":["2:1-2:5"]})", id);
    bool raced = false;
    b->engine->on_progress([&](const SyncProgress& p) {
      if (p.phase != SyncProgress::Phase::kPull || raced) return;
      raced = true;  // after b's pull, before its push
      a->put(Resource::kNote, R"({"body":"the body a wrote"})", id);
      EXPECT_TRUE(a->sync().ok());
    });
    b->events.clear();
    auto report = b->sync();
    ASSERT_OK(report);
    ASSERT_TRUE(raced);
    std::cout << "[ figures  ] " << tag << " mode race: 409 rounds " << report->out_of_sync
              << ", server conflicts " << report->server_conflicts << ", conflict-log rows "
              << b->store->conflicts()->size() << "\n";
    EXPECT_EQ(*b->store->queue_length(), 0);
    if (!field_mode) {
      EXPECT_EQ(report->out_of_sync, 1);
      EXPECT_EQ(b->store->conflicts()->size(), 1u);  // server wins: b's ranges dropped
      continue;
    }
    EXPECT_EQ(report->out_of_sync, 0);
    EXPECT_EQ(report->server_conflicts, 0);
    EXPECT_EQ(report->conflicts, 0);
    EXPECT_TRUE(b->store->conflicts()->empty());
    EXPECT_TRUE(b->events_for(id, Outcome::kMerged).empty());
    EXPECT_FALSE(b->events_for(id, Outcome::kSynced).empty());
    // The server has a's body and b's ranges, and so do both devices.
    const auto on_server = server_note(id);
    EXPECT_EQ(on_server.at("body"), "the body a wrote");
    EXPECT_EQ(on_server.at("ranges"), json::parse(R"(["2:1-2:5"])"));
    EXPECT_EQ(b->get(Resource::kNote, id)->at("body"), "the body a wrote");
    EXPECT_EQ(b->get(Resource::kNote, id)->at("ranges"), json::parse(R"(["2:1-2:5"])"));
    ASSERT_OK(a->sync());
    EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
    EXPECT_TRUE(a->store->conflicts()->empty());
  }
}

// The same race on the same field: the server reports the conflict, applies nothing of it, and
// the strategy decides after the pull as it always has, with its conflict-log row.
TEST_F(ClientEngineTest, ARaceOnTheSameFieldIsSettledByTheStrategy) {
  struct Case {
    Strategy strategy;
    Outcome outcome;
    std::string body;  // what the server ends with
  };
  const std::vector<Case> cases = {
      {Strategy::kServerWins, Outcome::kMerged, "the body a wrote"},
      {Strategy::kClientWins, Outcome::kMerged, "the body b wrote"},
      {Strategy::kManual, Outcome::kNeedsUser, "the body a wrote"},
  };
  int i = 0;
  for (const auto& k : cases) {
    SCOPED_TRACE(strategy_name(k.strategy));
    const std::string tag = std::to_string(++i);
    auto a = device("same-a" + tag), b = device("same-b" + tag);
    ASSERT_OK(b->store->set_strategy(Resource::kNote, k.strategy));
    const std::string id = "same-" + tag;
    a->put(Resource::kNote, note("the original body"), id);
    ASSERT_OK(a->sync());
    ASSERT_OK(b->sync());
    b->put(Resource::kNote, R"({"body":"the body b wrote"})", id);
    bool raced = false;
    b->engine->on_progress([&](const SyncProgress& p) {
      if (p.phase != SyncProgress::Phase::kPull || raced) return;
      raced = true;
      a->put(Resource::kNote, R"({"body":"the body a wrote"})", id);
      EXPECT_TRUE(a->sync().ok());
    });
    b->events.clear();
    auto report = b->sync();
    ASSERT_OK(report);
    EXPECT_EQ(report->out_of_sync, 0);
    EXPECT_EQ(report->server_conflicts, 1);
    const auto log = *b->store->conflicts();
    ASSERT_EQ(log.size(), 1u);  // from the settle, not one more for the server's report
    EXPECT_EQ(log[0].id, id);
    EXPECT_EQ(log[0].strategy, k.strategy);
    EXPECT_EQ(log[0].outcome, k.outcome);
    EXPECT_EQ(log[0].clashing_fields, std::vector<std::string>{"body"});
    ASSERT_EQ(b->events_for(id, k.outcome).size(), 1u);
    EXPECT_EQ(server_note(id).at("body"), k.body.c_str());
    if (k.outcome == Outcome::kNeedsUser) {
      EXPECT_EQ(*b->store->held_count(), 1);
      continue;
    }
    EXPECT_EQ(*b->store->queue_length(), 0);
    ASSERT_OK(a->sync());
    EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  }
}

// One mutation of a batch clashes, the others apply: they leave the queue at once and reach the
// server once; only the clashing one is settled and pushed again.
TEST_F(ClientEngineTest, ABatchWithOneConflictKeepsOnlyThatOneQueued) {
  auto a = device("part-a"), b = device("part-b");
  ASSERT_OK(b->store->set_strategy(Resource::kNote, Strategy::kClientWins));
  a->put(Resource::kNote, note("the original body"), "part-n1");
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  b->put(Resource::kNote, note("a new note before"), "part-n2");
  b->put(Resource::kNote, R"({"body":"the body b wrote"})", "part-n1");
  b->put(Resource::kNote, note("a new note after"), "part-n3");
  bool raced = false;
  b->engine->on_progress([&](const SyncProgress& p) {
    if (p.phase != SyncProgress::Phase::kPull || raced) return;
    raced = true;
    a->put(Resource::kNote, R"({"body":"the body a wrote"})", "part-n1");
    EXPECT_TRUE(a->sync().ok());
  });
  auto report = b->sync();
  ASSERT_OK(report);
  ASSERT_TRUE(raced);
  EXPECT_EQ(report->out_of_sync, 0);
  EXPECT_EQ(report->server_conflicts, 1);
  EXPECT_EQ(report->batches, 2);
  EXPECT_EQ(report->pushed, 3);  // n2 and n3 once, n1 after its settle
  EXPECT_EQ(*b->store->queue_length(), 0);
  test::SyncApi api(server_, "alice", "checker");
  const auto all = test::pulls::pulled(api, 0);
  for (const char* id : {"part-n2", "part-n3"}) {
    const auto entries = test::pulls::entries_for(all, "NOTE", id);
    ASSERT_EQ(entries.size(), 1u) << id;
    EXPECT_EQ(entries[0].at("type"), "CREATE") << id;
  }
  EXPECT_EQ(server_note("part-n1").at("body"), "the body b wrote");  // client wins
  const auto log = *b->store->conflicts();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, "part-n1");
  ASSERT_OK(a->sync());
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
}

TEST_F(ClientEngineTest, ABatchLeftInFlightByACrashIsSentAgainFirstAndExactly) {
  auto a = device("a");
  ASSERT_OK(a->sync());
  const auto n = a->put(Resource::kNote, note("typed before the crash"));
  // The process died after storing the batch, before (or while) sending it.
  auto batch = *SyncQueue(*a->store).next_batch();
  ASSERT_EQ(batch.size(), 1u);
  const std::string target = "/v1/sync?lastMutationAt=" + std::to_string(*a->store->cursor());
  ASSERT_OK(SyncQueue(*a->store).begin_batch("crash-key-1", target, push_body(batch), {batch[0].seq}));
  a->open();  // the app starts again
  ASSERT_TRUE(*a->store->inflight_batch());
  auto report = a->sync();
  ASSERT_OK(report);
  EXPECT_FALSE(*a->store->inflight_batch());
  EXPECT_EQ(*a->store->queue_length(), 0);
  EXPECT_EQ(report->pushed, 1);
  auto b = device("b");
  ASSERT_OK(b->sync());
  EXPECT_EQ(b->get(Resource::kNote, n)->at("body"), "typed before the crash");
}

TEST_F(ClientEngineTest, ABatchSentButUnansweredBeforeACrashIsReplayedNotDuplicated) {
  FaultProxy proxy(server_.host(), server_.port());
  SyncOptions once = Device::fast();
  once.max_attempts = 1;
  auto a = device("a", proxy.port(), once);
  ASSERT_OK(a->sync());
  a->put(Resource::kNote, note("sent, answer lost, then crash"));
  proxy.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::drop_response(), 1);
  auto failed = a->sync();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(*a->store->inflight_batch());
  a->open();
  auto report = a->sync();
  ASSERT_OK(report);
  EXPECT_EQ(*a->store->queue_length(), 0);
  test::SyncApi api(server_, "alice", "checker");
  int copies = 0;
  const json::array entries = api.pull(0).json().at("data").at("mutations").as_array();
  for (const auto& m : entries)
    if (m.at("resource") == "NOTE" && m.at("data").at("body") == "sent, answer lost, then crash")
      ++copies;
  EXPECT_EQ(copies, 1);
}

// A field-mode batch whose answer was lost, then a crash; meanwhile another device changes the
// same field. The resent batch is the same request under the same key, so the server replays
// its stored answer (applied) rather than judging it again (which would now be a conflict).
TEST_F(ClientEngineTest, AFieldModeBatchInFlightAtACrashIsReplayedNotJudgedAgain) {
  FaultProxy proxy(server_.host(), server_.port());
  SyncOptions once = Device::fast();
  once.max_attempts = 1;
  auto a = device("replay-a", proxy.port(), once);
  a->put(Resource::kNote, note("the original body"), "replay-n1");
  ASSERT_OK(a->sync());
  a->put(Resource::kNote, R"({"body":"the body a wrote"})", "replay-n1");
  const std::size_t seen = proxy.exchanges().size();
  proxy.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::drop_response(), 1);
  ASSERT_FALSE(a->sync().ok());
  const auto inflight = *a->store->inflight_batch();
  ASSERT_TRUE(inflight);
  EXPECT_NE(inflight->target.find("conflictMode=field"), std::string::npos) << inflight->target;
  const auto sent = json::parse(inflight->body).at("mutations").at(0).as_object();
  EXPECT_TRUE(sent.contains("baseTimestamp"));
  EXPECT_FALSE(sent.at("data").as_object().contains("ranges"));  // only what a changed
  test::SyncApi other(server_, "alice", "other-device");
  other.push_ok(R"([{"type":"UPDATE","resource":"NOTE","resourceId":"replay-n1",)"
                R"("data":{"body":"the body the other device wrote"}}])");

  a->open();  // the app starts again
  auto report = a->sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->pushed, 1);
  EXPECT_EQ(report->server_conflicts, 0);
  EXPECT_EQ(report->out_of_sync, 0);
  EXPECT_EQ(*a->store->queue_length(), 0);
  std::vector<std::string> posts;  // the lost one and its resend
  const auto exchanges = proxy.exchanges();
  for (std::size_t i = seen; i < exchanges.size(); ++i)
    if (exchanges[i].method == "POST") posts.push_back(exchanges[i].target);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0], posts[1]);
  // The other device's later write stands, and a pulled it.
  EXPECT_EQ(server_note("replay-n1").at("body"), "the body the other device wrote");
  EXPECT_EQ(a->get(Resource::kNote, "replay-n1")->at("body"), "the body the other device wrote");
}

TEST_F(ClientEngineTest, LostAndCutAnswersAreRetriedWithTheSameKeyAndNothingIsDuplicated) {
  FaultProxy proxy(server_.host(), server_.port());
  auto a = device("a", proxy.port());
  auto b = device("b");
  ASSERT_OK(a->sync());
  for (int i = 0; i < 5; ++i) a->put(Resource::kNote, note("lossy note " + std::to_string(i)));
  a->put(Resource::kCollection, R"({"name":"Lossy"})");
  proxy.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::drop_response(), 1);
  proxy.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::cut_response(60), 1);
  proxy.fault_matching(FaultProxy::request_is("GET", "/v1/sync"), Fault::cut_response(100), 1);
  auto report = a->sync();
  ASSERT_OK(report);
  EXPECT_GE(report->retries, 3);
  EXPECT_EQ(*a->store->queue_length(), 0);
  ASSERT_OK(b->sync());
  ASSERT_OK(a->sync());
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  EXPECT_EQ(b->store->list(Resource::kNote)->size(), 5u);
  EXPECT_EQ(b->store->list(Resource::kCollection)->size(), 1u);
}

TEST_F(ClientEngineTest, TheServerUnreachableIsUnavailableWithEverythingStillQueued) {
  FaultProxy proxy(server_.host(), server_.port());
  SyncOptions few = Device::fast();
  few.max_attempts = 3;
  auto a = device("a", proxy.port(), few);
  a->put(Resource::kNote, note("waiting for a network"));
  proxy.fault_matching(FaultProxy::request_is("GET", "/v1/sync"), Fault::drop_request());
  auto r = a->sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(*a->store->queue_length(), 1);
  proxy.clear_faults();
  ASSERT_OK(a->sync());
  EXPECT_EQ(*a->store->queue_length(), 0);
}

// One row of the strategy table: a and b start from the same note; a changes `a_edit` and
// syncs, then b (with `strategy`) changes `b_edit` and syncs.
struct StrategyCase {
  Strategy strategy;
  bool same_field;
  Outcome outcome;
  std::string b_ends_with;  // the body b has after its sync ("" when not checked)
  bool b_pushed;            // b's change reached the server
};

TEST_F(ClientEngineTest, EachStrategySettlesSameFieldAndDifferentFieldEditsAsPromised) {
  const std::vector<StrategyCase> cases = {
      {Strategy::kServerWins, true, Outcome::kMerged, "body from a", false},
      {Strategy::kServerWins, false, Outcome::kMerged, "body from a", false},
      {Strategy::kClientWins, true, Outcome::kMerged, "body from b", true},
      {Strategy::kClientWins, false, Outcome::kMerged, "original body", true},
      {Strategy::kLastWriteWins, true, Outcome::kMerged, "body from b", true},
      {Strategy::kLastWriteWins, false, Outcome::kMerged, "original body", true},
      {Strategy::kFieldMerge, true, Outcome::kNeedsUser, "body from b", false},
      {Strategy::kFieldMerge, false, Outcome::kMerged, "body from a", true},
      {Strategy::kManual, true, Outcome::kNeedsUser, "body from b", false},
      {Strategy::kManual, false, Outcome::kNeedsUser, "original body", false},
  };
  auto a = device("a"), b = device("b");
  int i = 0;
  for (const auto& k : cases) {
    SCOPED_TRACE(std::string(strategy_name(k.strategy)) + (k.same_field ? " same" : " different"));
    ASSERT_OK(b->store->set_strategy(Resource::kNote, k.strategy));
    const auto id = a->put(Resource::kNote, note("original body"), "n" + std::to_string(++i));
    ASSERT_OK(a->sync());
    ASSERT_OK(b->sync());
    a->put(Resource::kNote, R"({"body":"body from a"})", id);
    ASSERT_OK(a->sync());
    // b writes later (last-write-wins then picks b).
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    b->put(Resource::kNote, k.same_field ? R"({"body":"body from b"})" : R"({"ranges":["2:1-2:3"]})",
           id);
    b->events.clear();
    auto report = b->sync();
    ASSERT_OK(report);
    const auto events = b->events_for(id, k.outcome);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_GT(events[0]->conflict_seq, 0);
    const auto log = *b->store->conflicts();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().id, id);
    EXPECT_EQ(log.back().outcome, k.outcome);
    EXPECT_EQ(log.back().resolved, k.outcome != Outcome::kNeedsUser);
    EXPECT_EQ(b->get(Resource::kNote, id)->at("body"), k.b_ends_with.c_str());
    ASSERT_OK(a->sync());
    const auto on_a = a->get(Resource::kNote, id);
    if (k.b_pushed) {
      EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
    } else {
      EXPECT_EQ(on_a->at("body"), "body from a");
    }
    if (k.outcome == Outcome::kNeedsUser) {
      // Held: not pushed, still queued, until the user answers.
      EXPECT_EQ(*b->store->held_count(), 1);
      ASSERT_OK(SyncQueue(*b->store).mark_resolved(log.back().seq));
      ASSERT_OK(b->sync());
      EXPECT_EQ(*b->store->held_count(), 0);
      ASSERT_OK(a->sync());
      EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
    }
    EXPECT_EQ(*b->store->queue_length(), 0);
  }
}

// The inspection thread's "timezone standardisation": two devices in different offsets edit the
// same note across the EU spring DST change (2026-03-29, 01:00 UTC). Device b's wall clock shows
// the earlier local time (01:30, UTC+0) but its edit is the later one (01:30Z against a's 03:10
// at UTC+2, which is 01:10Z): last write wins must pick b's, whichever device syncs first.
TEST_F(ClientEngineTest, LastWriteWinsPicksTheTrulyLaterEditAcrossOffsetsAndADstChange) {
  for (const bool a_first : {true, false}) {
    SCOPED_TRACE(a_first ? "a syncs first" : "b syncs first");
    const std::string suffix = a_first ? "1" : "2";
    auto a = device("dst-a" + suffix), b = device("dst-b" + suffix);
    for (Device* d : {a.get(), b.get()}) ASSERT_OK(d->store->set_strategy(Resource::kNote, Strategy::kLastWriteWins));
    const auto id = a->put(Resource::kNote, note("before the change"), "dst-note-" + suffix);
    ASSERT_OK(a->sync());
    ASSERT_OK(b->sync());
    a->put(Resource::kNote, R"({"body":"edited in Berlin at 03:10 CEST","clientUpdatedAt":"2026-03-29T03:10:00+02:00"})", id);
    b->put(Resource::kNote, R"({"body":"edited in Lisbon at 01:30 WET","clientUpdatedAt":"2026-03-29T01:30:00+00:00"})", id);
    Device* first = a_first ? a.get() : b.get();
    Device* second = a_first ? b.get() : a.get();
    ASSERT_OK(first->sync());
    ASSERT_OK(second->sync());
    ASSERT_OK(first->sync());
    for (Device* d : {a.get(), b.get()}) {
      const auto got = d->get(Resource::kNote, id);
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(got->at("body"), "edited in Lisbon at 01:30 WET");
    }
    // The device that synced second met the other's edit and reports the conflict it settled.
    const auto log = *second->store->conflicts();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().strategy, Strategy::kLastWriteWins);
    EXPECT_EQ(log.back().outcome, Outcome::kMerged);
  }
}

// What the server does beyond the acks (a collection's cascade, the previous reading bookmark
// cleared) reaches the device that pushed, not only the others.
TEST_F(ClientEngineTest, TheServersCascadesOfAPushReachThePushingDeviceToo) {
  auto a = device("cascade-a"), b = device("cascade-b");
  a->put(Resource::kCollection, R"({"name":"Kept for a while"})", "c1");
  a->put(Resource::kBookmark, R"({"type":"ayah","key":1,"verseNumber":1,"isReading":true})", "b1");
  a->put(Resource::kCollectionBookmark, R"({"collectionId":"c1","bookmarkId":"b1"})");
  ASSERT_OK(a->sync());
  a->put(Resource::kBookmark, R"({"type":"ayah","key":2,"verseNumber":1,"isReading":true})", "b2");
  ASSERT_OK(a->store->remove(Resource::kCollection, "c1"));
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  EXPECT_TRUE(a->store->list(Resource::kCollectionBookmark)->empty());
  EXPECT_FALSE(a->get(Resource::kBookmark, "b1").has_value());  // orphaned by the cascade
}

// A batch over the server's body limit is split; nothing waits behind it.
TEST_F(ClientEngineTest, LargeBatchesAreSplitUnderTheServersBodyLimit) {
  auto a = device("large");
  std::string long_body;
  for (int i = 0; i < 2250; ++i) long_body += "\xd8\xa8\xd8\xb3\xd9\x85 ";  // 9000 characters, ~16 KiB
  for (int i = 0; i < 70; ++i) a->put(Resource::kNote, note(long_body + std::to_string(i)));
  ASSERT_OK(a->sync());
  EXPECT_EQ(*a->store->queue_length(), 0);
  test::SyncApi check(server_, "alice", "checker");
  int notes = 0;
  for (const auto& m : test::pulls::pulled(check, 0)) notes += m.at("resource") == "NOTE" ? 1 : 0;
  EXPECT_EQ(notes, 70);
}

// A bookmark the server already has (same details) gets the server's id; a membership of it
// pushed in the same sync follows that id instead of being refused.
TEST_F(ClientEngineTest, AMembershipOfAnAdoptedBookmarkFollowsTheServersId) {
  auto c = device("adopt-c"), d = device("adopt-d");
  c->put(Resource::kBookmark, R"({"type":"ayah","key":3,"verseNumber":1})", "x1");
  ASSERT_OK(c->sync());
  d->put(Resource::kBookmark, R"({"type":"ayah","key":3,"verseNumber":1})", "y1");
  d->put(Resource::kCollection, R"({"name":"Offline collection"})", "c2");
  d->put(Resource::kCollectionBookmark, R"({"collectionId":"c2","bookmarkId":"y1"})");
  ASSERT_OK(d->sync());
  EXPECT_TRUE(d->store->conflicts(/*unresolved_only=*/true)->empty());
  ASSERT_OK(c->sync());
  EXPECT_EQ(snapshot(*c->store), snapshot(*d->store));
  const auto memberships = *c->store->list(Resource::kCollectionBookmark);
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(json::parse(memberships[0].data).at("bookmarkId"), "x1");
}

// An edit the server refuses on a record it has: the device goes back to the server's state
// and the refused edit is kept in the conflict log for the user.
TEST_F(ClientEngineTest, ARefusedEditOfASyncedRecordRestoresTheServersState) {
  auto a = device("refused");
  const auto id = a->put(Resource::kNote, note("A valid note body"));
  ASSERT_OK(a->sync());
  a->put(Resource::kNote, R"({"body":"abc"})", id);  // notes need 6 characters
  ASSERT_OK(a->sync());
  EXPECT_EQ(a->get(Resource::kNote, id)->at("body"), "A valid note body");
  const auto open = *a->store->conflicts(/*unresolved_only=*/true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].outcome, Outcome::kNeedsUser);
  EXPECT_NE(open[0].local.find("abc"), std::string::npos);
  EXPECT_EQ(*a->store->queue_length(), 0);
}

TEST_F(ClientEngineTest, TheManualResolversAnswerIsPushedAndTheConflictResolved) {
  auto a = device("a"), b = device("b");
  ASSERT_OK(b->store->set_strategy(Resource::kNote, Strategy::kManual));
  const auto id = a->put(Resource::kNote, note("original body"));
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  a->put(Resource::kNote, R"({"body":"body from a"})", id);
  ASSERT_OK(a->sync());
  b->put(Resource::kNote, R"({"body":"body from b"})", id);
  std::vector<std::string> clashing;
  b->engine->set_manual_resolver([&](const ConflictRecord& c) -> std::optional<std::string> {
    clashing = c.clashing_fields;
    return note("both bodies joined");
  });
  ASSERT_OK(b->sync());
  EXPECT_EQ(clashing, std::vector<std::string>{"body"});
  EXPECT_TRUE(b->store->conflicts(/*unresolved_only=*/true)->empty());
  ASSERT_OK(a->sync());
  EXPECT_EQ(a->get(Resource::kNote, id)->at("body"), "both bodies joined");
}

TEST_F(ClientEngineTest, ABookmarkAddedOfflineToACollectionDeletedElsewhereNeedsTheUser) {
  auto a = device("a"), b = device("b");
  const auto coll = a->put(Resource::kCollection, R"({"name":"Soon gone"})");
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  const auto bm = b->put(Resource::kBookmark, R"({"type":"ayah","key":2,"verseNumber":255})");
  const std::string membership = R"({"collectionId":")" + coll + R"(","bookmarkId":")" + bm + R"("})";
  const auto mid = b->put(Resource::kCollectionBookmark, membership);
  ASSERT_OK(a->store->remove(Resource::kCollection, coll));
  ASSERT_OK(a->sync());
  auto report = b->sync();
  ASSERT_OK(report);
  EXPECT_EQ(report->needs_user, 1);
  EXPECT_EQ(b->events_for(mid, Outcome::kNeedsUser).size(), 1u);
  const auto log = *b->store->conflicts(/*unresolved_only=*/true);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, mid);
  EXPECT_EQ(log[0].outcome, Outcome::kNeedsUser);
  EXPECT_NE(log[0].local.find(bm), std::string::npos);  // the refused data is kept
  EXPECT_NE(log[0].reason.find("refused"), std::string::npos) << log[0].reason;
  EXPECT_EQ(*b->store->queue_length(), 0);
  // The bookmark itself went through; both devices agree.
  ASSERT_OK(a->sync());
  EXPECT_TRUE(a->get(Resource::kBookmark, bm));
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
}

TEST_F(ClientEngineTest, A410AfterRetentionResyncsFromZeroAndForgetsWhatWasPurged) {
  ServerProcess server({"--rate-limit", "0", "--retention", "500ms", "--maintenance-interval",
                        "50ms"});
  auto make = [&](const std::string& name) {
    return std::make_unique<Device>(dir_.file(name + ".db"), url(server.port()),
                                    server.token("alice"));
  };
  auto a = make("ra"), b = make("rb");
  const auto gone = a->put(Resource::kNote, note("to be deleted"));
  const auto kept = a->put(Resource::kNote, note("to be kept"));
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  ASSERT_OK(a->store->remove(Resource::kNote, gone));
  ASSERT_OK(a->sync());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the tombstone is purged
  b->put(Resource::kNote, note("typed while away"));
  auto report = b->sync();
  ASSERT_OK(report);
  EXPECT_TRUE(report->resynced);
  EXPECT_FALSE(b->get(Resource::kNote, gone));
  EXPECT_TRUE(b->get(Resource::kNote, kept));
  ASSERT_OK(a->sync());
  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  EXPECT_EQ(a->store->list(Resource::kNote)->size(), 2u);
}

// ---- Listening for changes (SyncEngine::listen) ----

TEST_F(ClientEngineTest, AListeningDeviceConvergesOnTheEventsItHearsWithoutPolling) {
  auto a = device("a"), b = device("b");
  a->put(Resource::kNote, note("written before b listens"), "n0");
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());  // b is at the head: connecting costs it no sync
  const std::string b_client = *b->store->client_id();
  Listener listening(*b->engine);
  ASSERT_TRUE(test::wait_for_metric(server_, "synclog_event_streams", 1));

  a->put(Resource::kNote, note("first while b listens"), "n1");
  ASSERT_TRUE(listening.hears_push_of(*a->engine));
  a->put(Resource::kNote, note("second while b listens"), "n2");
  a->put(Resource::kNote, note("third while b listens"), "n3");
  ASSERT_TRUE(listening.hears_push_of(*a->engine));
  ASSERT_OK(listening.stop());

  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  const auto reports = listening.reports();
  ASSERT_EQ(reports.size(), 2u);  // one per push a made; none at connect
  EXPECT_EQ(reports[0].pulled, 1);
  EXPECT_EQ(reports[1].pulled, 2);
  EXPECT_TRUE(listening.failures().empty());
  EXPECT_TRUE(listening.disconnects().empty());
  // b pulled only when told: its sync before listening, and one per event.
  EXPECT_EQ(logged_requests(server_, b_client, "GET", "/v1/sync"), 3);
  EXPECT_EQ(logged_requests(server_, b_client, "POST", "/v1/sync"), 0);
  // One stream, never reopened (the access log has its line once it ends).
  ASSERT_TRUE(test::wait_for_metric(server_, "synclog_event_streams", 0));
  EXPECT_EQ(logged_requests(server_, b_client, "GET", "/v1/sync/events"), 1);
}

TEST_F(ClientEngineTest, AListeningDeviceReconnectsAfterARestartAndHearsWhatItMissed) {
  auto a = device("a"), b = device("b");
  ASSERT_OK(a->sync());
  ASSERT_OK(b->sync());
  const std::string b_path = b->path_;
  ListenOptions options;
  options.reconnect_delay = std::chrono::milliseconds(100);
  Listener listening(*b->engine, options);
  ASSERT_TRUE(test::wait_for_metric(server_, "synclog_event_streams", 1));
  a->put(Resource::kNote, note("before the restart"), "n1");
  ASSERT_TRUE(listening.hears_push_of(*a->engine));

  // The node drains (which ends b's stream) and another takes its place at a new address, as
  // behind a load balancer. a writes while b cannot reach it.
  ASSERT_EQ(server_.terminate(), 0);
  server_.restart();
  ASSERT_OK(a->store->set_server_url(url(server_.port())));
  a->put(Resource::kNote, note("while b was away"), "n2");
  const auto pushed = a->sync();
  ASSERT_OK(pushed);
  // b learns the new address through its store, which listen() reads at every attempt; its
  // Last-Event-ID is the head before the restart, so the server tells it the new head at once.
  {
    auto handle = LocalStore::open(b_path);
    ASSERT_TRUE(handle.ok()) << handle.error().message;
    ASSERT_OK((*handle)->set_server_url(url(server_.port())));
  }
  ASSERT_TRUE(listening.wait_for_cursor(pushed->cursor)) << "b did not hear what it missed";
  ASSERT_TRUE(test::wait_for_metric(server_, "synclog_event_streams", 1));
  a->put(Resource::kNote, note("after b reconnected"), "n3");
  ASSERT_TRUE(listening.hears_push_of(*a->engine));
  ASSERT_OK(listening.stop());

  EXPECT_EQ(snapshot(*a->store), snapshot(*b->store));
  EXPECT_EQ(listening.reports().size(), 3u);
  const auto disconnects = listening.disconnects();
  ASSERT_FALSE(disconnects.empty());
  EXPECT_TRUE(disconnects.front().find("ended") != std::string::npos ||
              disconnects.front().find("reading the stream") != std::string::npos)
      << disconnects.front();
}

TEST_F(ClientEngineTest, HeartbeatsKeepAQuietStreamAliveAndASilentOneIsReplaced) {
  ServerProcess beating({"--rate-limit", "0", "--events-heartbeat", "200ms"});
  Device b(dir_.file("beating.db"), url(beating.port()), beating.token("alice"));
  ASSERT_OK(b.sync());
  ListenOptions options;
  options.idle_timeout = std::chrono::milliseconds(600);  // 3 heartbeats
  {
    Listener listening(*b.engine, options);
    ASSERT_TRUE(test::wait_for_metric(beating, "synclog_event_streams", 1));
    std::this_thread::sleep_for(std::chrono::seconds(2));
    ASSERT_OK(listening.stop());
    EXPECT_TRUE(listening.disconnects().empty()) << listening.disconnects().front();
  }
  // The fixture's server beats every 15 s: to a device expecting one every 300 ms, its stream
  // looks dead, and is replaced.
  Device quiet(dir_.file("quiet.db"), url(server_.port()), server_.token("alice"));
  ASSERT_OK(quiet.sync());
  options.idle_timeout = std::chrono::milliseconds(300);
  options.reconnect_delay = std::chrono::milliseconds(50);
  Listener listening(*quiet.engine, options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (listening.disconnects().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_OK(listening.stop());
  ASSERT_FALSE(listening.disconnects().empty());
  EXPECT_EQ(listening.disconnects().front(), "no event or heartbeat for 300 ms");
}

// A server that takes the stream's connection and never answers (here a proxy holding the
// answer back; a wedged load balancer or a captive portal in the field): stopping listen()
// must not wait out the connect and request timeouts (40 s here) for the opening to fail.
TEST_F(ClientEngineTest, StoppingWhileTheStreamIsBeingOpenedReturnsAtOnce) {
  FaultProxy proxy(server_.host(), server_.port());
  proxy.fault_matching(FaultProxy::request_is("GET", "/v1/sync/events"),
                       Fault::delay_response(std::chrono::minutes(10)));
  SyncOptions options = Device::fast();
  options.request_timeout = std::chrono::seconds(30);
  auto b = device("b", proxy.port(), options);
  Listener listening(*b->engine);
  // The request reached the server, whose answer the proxy holds: listen() waits for it.
  ASSERT_TRUE(test::wait_for_metric(server_, "synclog_event_streams", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto stopping = std::chrono::steady_clock::now();
  ASSERT_OK(listening.stop());
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(1));
  EXPECT_TRUE(listening.disconnects().empty()) << listening.disconnects().front();
}

TEST_F(ClientEngineTest, ListeningWithATokenTheServerRefusesEndsWithUnauthorized) {
  auto b = device("b");
  ASSERT_OK(b->store->set_token("not-a-token"));
  const Status s = b->engine->listen(ListenOptions{}, std::stop_token());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace synclog::client
