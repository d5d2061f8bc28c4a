// The sync engine cut at every point of a sync, not at a few chosen ones. Two devices of one user
// (two LocalStore files) edit the per-user Quran data offline: creates, updates of the same
// records on different fields, deletes. Device B syncs, then device A's sync is run once clean,
// counting its requests (K) and local commits (C), and then again, on a fresh user each time,
// with exactly one fault: the Nth request failing before it reaches the server, the Nth answer
// lost after the server applied the request (each both with the engine retrying within the sync
// and with the app giving up and restarting), and the Nth local commit failing (the app restarted
// on its file). After each, both devices sync without faults until quiet, and then:
//  - both devices hold exactly the server's records (a full pull through the same transport);
//  - every edit either device made is there (nothing lost) and nothing else is;
//  - the server applied exactly what the clean run made it apply: synclog_mutations_total and
//    synclog_pushes_total moved as much as in the clean run, and the records, times included,
//    are the clean run's (the clocks are manual). Ids are client-chosen, so a CREATE applied
//    twice is an upsert, not a duplicate record: the counters are what catch a doubled batch.
// The server is the real App and store, in-process (in_process_server.hpp): the exchange is
// synchronous and every cut point lands in the same place each run. On PostgreSQL in the
// ".postgres" run of this test, like every integration test.
#include "synclog/client/local_store.hpp"
#include "synclog/client/sync_engine.hpp"

#include "client/sync_wire.hpp"
#include "fault_loop.hpp"
#include "faulty_transport.hpp"
#include "in_process_server.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

namespace json = boost::json;
using test::CommitFaults;
using test::FaultyTransport;
using test::InProcessServer;
using test::fault_loop::Cut;
using test::fault_loop::CutSync;
using test::fault_loop::Device;
using test::fault_loop::Fault;
using test::fault_loop::kDevicesStartMs;
using test::fault_loop::kServerMs;

// "RESOURCE/id" -> the record's data.
using State = std::map<std::string, json::value>;

std::string key_of(Resource r, std::string_view id) { return Device::key_of(r, id); }

State device_state(LocalStore& store) {
  State out;
  for (Resource r : kAllResources) {
    auto records = store.list(r);
    if (!records.ok()) throw std::runtime_error(records.error().message);
    for (const auto& rec : *records) out[key_of(r, rec.id)] = json::parse(rec.data);
  }
  return out;
}

// The server's records: a full pull from 0 through `transport`, following hasMore.
State server_state(Transport& transport, const std::string& token) {
  State out;
  std::int64_t since = 0;
  for (;;) {
    HttpRequest req;
    req.target = "/v1/sync?mutationsSince=" + std::to_string(since) +
                 "&resources=BOOKMARK,COLLECTION,COLLECTION_BOOKMARK,NOTE,READING_SESSION";
    req.headers = {{"x-auth-token", token}, {"x-client-id", "checker"}};
    auto r = transport.send(req);
    if (!r.ok() || r->status != 200) throw std::runtime_error("the checker's pull failed");
    auto page = parse_pull(r->body);
    if (!page.ok()) throw std::runtime_error(page.error().message);
    for (const auto& e : page->entries) {
      if (e.data) {
        out[key_of(e.resource, e.id)] = json::parse(*e.data);
      } else {
        out.erase(key_of(e.resource, e.id));
      }
    }
    if (!page->has_more || page->last_mutation_at == since) return out;
    since = page->last_mutation_at;
  }
}

// Every record the scenario ends with, and the fields someone typed in it: the shared start,
// with A's and B's offline edits all applied.
const std::map<std::string, std::string>& expected_records() {
  static const std::map<std::string, std::string> kExpected = {
      {"COLLECTION/c-duas", R"({"name":"Duas, renamed on A"})"},
      {"COLLECTION/c-a", R"({"name":"Made on A"})"},
      {"BOOKMARK/b-kursi", R"({"type":"ayah","key":2,"verseNumber":255})"},
      {"BOOKMARK/b-a", R"({"type":"ayah","key":36,"verseNumber":1})"},
      {"COLLECTION_BOOKMARK/c-a-b-a", R"({"collectionId":"c-a","bookmarkId":"b-a"})"},
      {"NOTE/n-shared", R"({"body":"body from A","ranges":["1:1-1:4"]})"},
      {"NOTE/n-both", R"({"body":"body from B","ranges":["2:1-2:10"]})"},
      {"NOTE/n-a", R"({"body":"written on A, then edited","ranges":["3:1-3:3"]})"},
      {"NOTE/n-b", R"({"body":"written on B","ranges":["4:1-4:2"]})"},
      {"READING_SESSION/r-a", R"({"chapterNumber":18,"verseNumber":10})"},
  };
  return kExpected;
}

// Nothing lost, nothing extra: exactly the expected records, each with what was typed in it.
void expect_every_edit(const State& server, const std::string& run) {
  for (const auto& [key, fields] : expected_records()) {
    const auto it = server.find(key);
    if (it == server.end()) {
      ADD_FAILURE() << run << ": " << key << " is missing on the server";
      continue;
    }
    const json::value typed = json::parse(fields);
    for (const auto& [field, value] : typed.as_object()) {
      const auto* got = it->second.as_object().if_contains(field);
      EXPECT_TRUE(got && *got == value)
          << run << ": " << key << "." << field << " is "
          << (got ? json::serialize(*got) : "absent") << ", typed " << json::serialize(value);
    }
  }
  for (const auto& [key, data] : server) {
    EXPECT_TRUE(expected_records().count(key))
        << run << ": the server has " << key << " = " << json::serialize(data)
        << ", which no edit left there";
  }
}

// `state` with each device id in a NOTE's `source` replaced by the device's name: the ids are
// random, the rest of a run is not.
State with_device_names(State state, const std::map<std::string, std::string>& names) {
  for (auto& [key, data] : state) {
    auto* source = data.as_object().if_contains("source");
    if (!source || !source->is_string()) continue;
    const auto it = names.find(std::string(source->as_string()));
    if (it != names.end()) *source = it->second;
  }
  return state;
}

// What a run of the scenario left.
struct RunResult {
  CutSync cut;  // A's cut sync
  // How far the server's counters moved in the run.
  std::uint64_t mutations = 0;
  std::uint64_t pushes = 0;
  std::uint64_t replays = 0;
  State server;
  State comparable;  // `server` with the devices' ids (a NOTE's `source`) named "A" and "B"
};

class EngineFaultLoopTest : public ::testing::Test {
 protected:
  static test::InProcessServerOptions server_options(const Clock& clock) {
    test::InProcessServerOptions o;
    o.clock = &clock;
    // Pulls of a few entries a page: more requests and more local commits to cut between.
    o.app.pull_cap = 4;
    return o;
  }

  SyncOptions fast(int attempts, std::shared_ptr<Transport> transport) const {
    return test::fault_loop::fast_options(attempts, std::move(transport), &device_clock_);
  }

  void edit(Device& d, Resource r, std::string_view data, std::string_view id) {
    d.put(r, data, id);
    device_clock_.advance(1000);  // each edit a second after the last: distinct client times
  }

  // The shared start, created on A and synced to both.
  void seed(Device& a) {
    edit(a, Resource::kCollection, R"({"name":"Duas"})", "c-duas");
    edit(a, Resource::kBookmark, R"({"type":"ayah","key":2,"verseNumber":255})", "b-kursi");
    edit(a, Resource::kBookmark, R"({"type":"ayah","key":67,"verseNumber":1})", "b-mulk");
    edit(a, Resource::kCollectionBookmark, R"({"collectionId":"c-duas","bookmarkId":"b-kursi"})",
         "c-duas-b-kursi");
    edit(a, Resource::kNote, R"({"body":"shared note","ranges":["1:1-1:7"]})", "n-shared");
    edit(a, Resource::kNote, R"({"body":"edited by both","ranges":["2:1-2:5"]})", "n-both");
    edit(a, Resource::kNote, R"({"body":"A deletes this","ranges":["5:1-5:2"]})", "n-gone-a");
    edit(a, Resource::kNote, R"({"body":"B deletes this","ranges":["6:1-6:2"]})", "n-gone-b");
  }

  // A's offline edits: new records (a bookmark and its membership in a new collection, which the
  // engine pushes in two batches), a CREATE squashed with a later UPDATE, updates of fields B
  // leaves alone, a rename, deletes of a note and a membership.
  void edit_a(Device& a) {
    edit(a, Resource::kNote, R"({"body":"written on A","ranges":["3:1-3:3"]})", "n-a");
    edit(a, Resource::kCollection, R"({"name":"Made on A"})", "c-a");
    edit(a, Resource::kBookmark, R"({"type":"ayah","key":36,"verseNumber":1})", "b-a");
    edit(a, Resource::kCollectionBookmark, R"({"collectionId":"c-a","bookmarkId":"b-a"})",
         "c-a-b-a");
    edit(a, Resource::kNote, R"({"body":"body from A"})", "n-shared");
    edit(a, Resource::kNote, R"({"ranges":["2:1-2:10"]})", "n-both");
    edit(a, Resource::kCollection, R"({"name":"Duas, renamed on A"})", "c-duas");
    edit(a, Resource::kNote, R"({"body":"written on A, then edited"})", "n-a");
    edit(a, Resource::kReadingSession, R"({"chapterNumber":18,"verseNumber":10})", "r-a");
    a.remove(Resource::kNote, "n-gone-a");
    a.remove(Resource::kCollectionBookmark, "c-duas-b-kursi");
  }

  // B's: the other fields of the notes A edits, a new note, deletes of a note and a bookmark.
  void edit_b(Device& b) {
    edit(b, Resource::kNote, R"({"ranges":["1:1-1:4"]})", "n-shared");
    edit(b, Resource::kNote, R"({"body":"body from B"})", "n-both");
    edit(b, Resource::kNote, R"({"body":"written on B","ranges":["4:1-4:2"]})", "n-b");
    b.remove(Resource::kNote, "n-gone-b");
    b.remove(Resource::kBookmark, "b-mulk");
  }

  // Syncs both devices, A first, until a round in which neither had anything to push.
  void settle(Device& a, Device& b, const std::string& run) {
    for (int round = 0; round < 5; ++round) {
      auto ra = a.engine->sync();
      auto rb = b.engine->sync();
      ASSERT_TRUE(ra.ok()) << run << ": A's sync after the fault: " << ra.error().message;
      ASSERT_TRUE(rb.ok()) << run << ": B's sync after the fault: " << rb.error().message;
      if (ra->pushed == 0 && rb->pushed == 0 && *a.store->queue_length() == 0 &&
          *b.store->queue_length() == 0) {
        return;
      }
    }
    ADD_FAILURE() << run << ": the devices were still pushing after 5 rounds of syncs";
  }

  // The scenario on a fresh user, A's sync cut as `cut` says, then settled and checked.
  RunResult run(const Cut& cut, const std::string& name) {
    RunResult out;
    device_clock_.set(kDevicesStartMs);
    const std::string user = "reader-" + std::to_string(++runs_);
    const std::string token = server_.token_for(user);
    auto faulty = std::make_shared<FaultyTransport>(server_.transport());
    CommitFaults commits;
    Device a(dir_.file(user + "-a.db"), token, fast(cut.attempts, faulty), commits.before_commit());
    Device b(dir_.file(user + "-b.db"), token, fast(6, server_.transport()));
    // A's pull meets B's note edits before A pushes its own, so the strategy settles them; field
    // merge keeps both sides' fields (server wins, the default, would drop A's edit by design).
    for (Device* d : {&a, &b}) {
      if (!d->store->set_strategy(Resource::kNote, Strategy::kFieldMerge).ok()) {
        throw std::runtime_error("cannot set the notes' strategy");
      }
    }
    const std::uint64_t mutations = server_.counter_total("synclog_mutations_total");
    const std::uint64_t pushes = server_.counter_total("synclog_pushes_total");
    const std::uint64_t replays = server_.counter_total("synclog_idempotent_replays_total");

    seed(a);
    auto seeded = a.engine->sync();
    if (!seeded.ok()) throw std::runtime_error("A's first sync: " + seeded.error().message);
    if (auto s = b.engine->sync(); !s.ok()) {
      throw std::runtime_error("B's first sync: " + s.error().message);
    }
    edit_a(a);
    edit_b(b);
    if (auto s = b.engine->sync(); !s.ok()) {
      throw std::runtime_error("B's sync: " + s.error().message);
    }

    out.cut = test::fault_loop::cut_sync(a, *faulty, commits, cut);

    settle(a, b, name);
    out.server = server_state(*server_.transport(), token);
    out.comparable =
        with_device_names(out.server, {{*a.store->client_id(), "A"}, {*b.store->client_id(), "B"}});
    EXPECT_EQ(device_state(*a.store), out.server) << name << ": A differs from the server";
    EXPECT_EQ(device_state(*b.store), out.server) << name << ": B differs from the server";
    expect_every_edit(out.server, name);
    for (Device* d : {&a, &b}) {
      EXPECT_EQ(*d->store->held_count(), 0) << name;
      EXPECT_TRUE(d->store->conflicts(/*unresolved_only=*/true)->empty()) << name;
    }
    out.mutations = server_.counter_total("synclog_mutations_total") - mutations;
    out.pushes = server_.counter_total("synclog_pushes_total") - pushes;
    out.replays = server_.counter_total("synclog_idempotent_replays_total") - replays;
    return out;
  }

  // The faulty run against the clean one: the same records, the same work on the server.
  static void expect_as_clean(const RunResult& clean, const RunResult& faulty,
                              const std::string& name) {
    EXPECT_EQ(faulty.mutations, clean.mutations) << name << ": mutations applied on the server";
    EXPECT_EQ(faulty.pushes, clean.pushes) << name << ": push batches applied on the server";
    EXPECT_EQ(faulty.comparable, clean.comparable) << name << ": the server's records";
  }

  // Runs the clean scenario, then one run per cut point 1..count(clean), each checked.
  void loop(const std::string& what, Cut cut, std::int64_t CutSync::*count) {
    const auto runs = test::fault_loop::for_each_cut_point<RunResult>(
        what, cut, count, [this](const Cut& c, const std::string& name) { return run(c, name); },
        &expect_as_clean);
    if (HasFailure()) return;
    const RunResult& clean = runs.clean;
    std::int64_t failed_syncs = 0;
    std::uint64_t replays = 0;
    for (const auto& faulty : runs.faulty) {
      failed_syncs += faulty.cut.ok ? 0 : 1;
      replays += faulty.replays;
    }
    std::cout << "[ cut points ] " << what << ": " << clean.cut.*count
              << " exercised (clean sync: " << clean.cut.requests << " requests, "
              << clean.cut.commits << " local commits; " << clean.mutations << " mutations in "
              << clean.pushes << " pushes; " << failed_syncs << " cut syncs failed, " << replays
              << " idempotent replays)" << (server_.on_postgres() ? " on PostgreSQL" : " on SQLite")
              << "\n";
    RecordProperty("cut_points", static_cast<int>(clean.cut.*count));
  }

  ManualClock server_clock_{kServerMs};
  ManualClock device_clock_{kDevicesStartMs};
  InProcessServer server_{server_options(server_clock_)};
  test::TempDir dir_;
  int runs_ = 0;
};

TEST_F(EngineFaultLoopTest, EveryRequestFailingOnceIsRetriedWithinTheSync) {
  loop("request fails, retried", Cut{Fault::kFailRequest, 0, 6, false}, &CutSync::requests);
}

TEST_F(EngineFaultLoopTest, EveryAnswerLostOnceIsRetriedWithinTheSync) {
  loop("answer lost, retried", Cut{Fault::kLoseAnswer, 0, 6, false}, &CutSync::requests);
}

TEST_F(EngineFaultLoopTest, EveryRequestFailingEndsTheSyncAndTheRestartedAppRecovers) {
  loop("request fails, app restarts", Cut{Fault::kFailRequest, 0, 1, true}, &CutSync::requests);
}

TEST_F(EngineFaultLoopTest, EveryAnswerLostEndsTheSyncAndTheRestartedAppRecovers) {
  loop("answer lost, app restarts", Cut{Fault::kLoseAnswer, 0, 1, true}, &CutSync::requests);
}

TEST_F(EngineFaultLoopTest, EveryLocalCommitFailingEndsTheSyncAndTheRestartedAppRecovers) {
  loop("local commit fails, app restarts", Cut{Fault::kFailCommit, 0, 6, true},
       &CutSync::commits);
}

// The in-process server serves no change stream: it answers 501, so listen() ends at once with
// kNotImplemented (a server without the stream), rather than reconnecting forever as it would
// after a transport error.
TEST(InProcessServerTest, ListeningEndsWithNotImplemented) {
  InProcessServer server;
  test::TempDir dir;
  auto store = LocalStore::open(dir.file("device.db"));
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->set_token(server.token_for("listener")).ok());
  SyncOptions options;
  options.transport = server.transport();
  SyncEngine engine(**store, options);
  std::stop_source stop;
  const Status listened = engine.listen(ListenOptions{}, stop.get_token());
  EXPECT_EQ(listened.code(), ErrorCode::kNotImplemented) << listened.message();
}

}  // namespace
}  // namespace synclog::client
