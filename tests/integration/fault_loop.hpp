// What the fault loops share (engine_fault_loop_test.cpp for the per-user data,
// space_fault_loop_test.cpp for shared spaces), in the manner of Boost.Beast's fail_count: a
// device as an app process holds it (its file, store, engine and spaces, opened again as a
// restarted app opens it), one sync of it cut at a planned point (faulty_transport.hpp), and the
// loop that runs a scenario clean, counts the points its cut sync passes, and runs it again once
// per point with that one point failing.
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"

#include "common/clock.hpp"
#include "faulty_transport.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace synclog::test::fault_loop {

// The clocks are manual, so that two runs of a scenario are the same run: the server's stands
// still (its mutation clock still counts up), the devices' moves only when a test moves it,
// starting an hour before the server's (an edit is never later than the server's time of its
// push).
constexpr std::int64_t kServerMs = 1'790'000'000'000;
constexpr std::int64_t kDevicesStartMs = kServerMs - 3'600'000;

// A device's SyncOptions for loops of hundreds of syncs: retries wait a millisecond or a few,
// not the 200 ms a phone waits, so that a loop's time is its work and not its backoff.
inline client::SyncOptions fast_options(int attempts, std::shared_ptr<client::Transport> transport,
                                        const Clock* clock) {
  client::SyncOptions o;
  o.max_attempts = attempts;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_cap = std::chrono::milliseconds(5);
  o.transport = std::move(transport);
  o.clock = clock;
  return o;
}

// One device: its file, and a store, an engine and the spaces on it as an app process has them.
// What the engine told the app (its events) outlives a restart, as an app's log would.
struct Device {
  // Opens the file at once. The store's clock is the engine's (options.clock).
  Device(std::string file, std::string access_token, client::SyncOptions sync_options,
         std::function<Status()> commit_hook = {})
      : path(std::move(file)),
        token(std::move(access_token)),
        options(std::move(sync_options)),
        before_commit(std::move(commit_hook)) {
    open();
  }

  // Opens the file as an app starting does (again: as a restarted app does). What the engine
  // kept in memory is gone; only the file remains.
  void open() {
    engine.reset();
    spaces.reset();
    store.reset();
    client::LocalStore::Options o;
    o.clock = options.clock;
    o.before_commit = before_commit;
    auto s = client::LocalStore::open(path, o);
    if (!s.ok()) throw std::runtime_error(path + ": " + s.error().message);
    store = std::move(*s);
    if (!store->set_token(token).ok()) throw std::runtime_error("cannot set the token");
    spaces = std::make_unique<client::SpaceStore>(*store);
    engine = std::make_unique<client::SyncEngine>(*store, options);
    engine->on_event([this](const client::SyncEvent& e) { events.push_back(e); });
  }

  // The per-user data's writes, failing the test's run when the store refuses.
  void put(client::Resource r, std::string_view data, std::string_view id) {
    auto put = store->put(r, data, id);
    if (!put.ok()) throw std::runtime_error("put " + key_of(r, id) + ": " + put.error().message);
  }
  void remove(client::Resource r, std::string_view id) {
    auto removed = store->remove(r, id);
    if (!removed.ok()) {
      throw std::runtime_error("remove " + key_of(r, id) + ": " + removed.message());
    }
  }
  static std::string key_of(client::Resource r, std::string_view id) {
    return std::string(client::resource_name(r)) + "/" + std::string(id);
  }

  std::string path;
  std::string token;
  client::SyncOptions options;
  std::function<Status()> before_commit;
  std::unique_ptr<client::LocalStore> store;
  std::unique_ptr<client::SpaceStore> spaces;
  std::unique_ptr<client::SyncEngine> engine;
  std::vector<client::SyncEvent> events;
};

// Where the cut sync is cut.
enum class Fault { kNone, kFailRequest, kLoseAnswer, kFailCommit };

struct Cut {
  Fault fault = Fault::kNone;
  std::int64_t n = 0;
  int attempts = 6;      // the device's SyncOptions::max_attempts: 1 gives up at the first failure
  bool restart = false;  // after the faulty sync, the device's app restarts on its file
};

// What the cut sync did.
struct CutSync {
  std::int64_t requests = 0;  // requests sent (failed ones included)
  std::int64_t commits = 0;   // local commits tried (the failed one included)
  bool fired = false;         // the planned fault happened
  bool ok = false;            // the sync reported success
  std::string error;          // ...or why not
};

// Runs `device`'s sync with `cut` planned on its transport and commit hook (both counted from
// here), then restarts its app when the cut says so.
inline CutSync cut_sync(Device& device, FaultyTransport& transport, CommitFaults& commits,
                        const Cut& cut) {
  transport.reset();
  commits.reset();
  if (cut.fault == Fault::kFailRequest) transport.fail_request(cut.n);
  if (cut.fault == Fault::kLoseAnswer) transport.lose_answer(cut.n);
  if (cut.fault == Fault::kFailCommit) commits.fail_commit(cut.n);
  auto synced = device.engine->sync();
  CutSync out;
  out.requests = transport.requests();
  out.commits = commits.commits();
  out.fired = transport.fired() || commits.fired();
  out.ok = synced.ok();
  if (!synced.ok()) out.error = synced.error().message;
  if (cut.restart) device.open();
  return out;
}

// A loop's runs: the clean one, and one per cut point, in order.
template <class Run>
struct LoopRuns {
  Run clean;
  std::vector<Run> faulty;
};

// Runs the scenario clean (`run(Cut{}, name)`), then once per cut point 1..(clean's `count`),
// each checked by `expect_as_clean(clean, faulty, name)` and by what holds for every loop: the
// planned fault happened; a request that failed, or an answer that was lost, costs one request
// more when the engine may retry (not a sync started over) and ends the sync when it may not;
// a failed local commit ends the sync (it must not report success over a commit that was rolled
// back). Stops at the first cut point that fails: it says it all. `Run` has a `CutSync cut`.
template <class Run, class RunFn, class CheckFn>
LoopRuns<Run> for_each_cut_point(const std::string& what, Cut cut, std::int64_t CutSync::*count,
                                 RunFn run, CheckFn expect_as_clean) {
  LoopRuns<Run> out;
  out.clean = run(Cut{}, what + " (clean)");
  if (::testing::Test::HasFailure()) return out;
  EXPECT_TRUE(out.clean.cut.ok) << what << ": the clean sync failed: " << out.clean.cut.error;
  EXPECT_GT(out.clean.cut.*count, 0) << what << ": nothing to cut";
  if (::testing::Test::HasFailure()) return out;
  for (std::int64_t n = 1; n <= out.clean.cut.*count; ++n) {
    cut.n = n;
    const std::string name = what + " #" + std::to_string(n);
    Run faulty = run(cut, name);
    EXPECT_TRUE(faulty.cut.fired) << name << ": the planned fault never happened";
    if (cut.fault != Fault::kFailCommit) {
      EXPECT_EQ(faulty.cut.ok, cut.attempts > 1) << name << ": " << faulty.cut.error;
      if (cut.attempts > 1) {
        EXPECT_EQ(faulty.cut.requests, out.clean.cut.requests + 1) << name;
      }
    } else {
      EXPECT_FALSE(faulty.cut.ok) << name
                                  << ": the sync reported success over a rolled-back commit";
    }
    expect_as_clean(out.clean, faulty, name);
    out.faulty.push_back(std::move(faulty));
    if (::testing::Test::HasFailure()) break;
  }
  return out;
}

}  // namespace synclog::test::fault_loop
