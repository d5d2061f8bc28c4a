// Power cuts and disk faults under the server's SQLite store (issue: "prove that nothing is
// lost"). A killed process keeps the page cache; a machine that loses power does not. The
// fault-injecting VFS (tests/support/fault_vfs.hpp) drops every write the store had not synced
// when the power goes, and these loops cut it after every sync of a workload in turn: pushes of
// several users, a compaction pass, a retention pass (which purges stored idempotent answers),
// and an online backup. After each cut the database must open, pass PRAGMA integrity_check,
// hold every push answered 200 before the cut, whole, and no part of any other.
//
// The disk-fault loops fail the Nth write (ENOSPC, then EIO) and the Nth sync: the push in
// flight must fail with a clear answer (507 for a full disk), nothing of it may appear, and the
// server must carry on once the fault is gone.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fault_vfs.hpp"
#include "in_process_server.hpp"
#include "storage/sqlite/backup.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

constexpr int kUsers = 3;
constexpr int kBatchesPerUser = 3;
constexpr int kPerBatch = 3;

struct Batch {
  std::string user;
  std::vector<std::string> ids;
  std::string key;
  int first_verse = 1;  // bookmarks of one user differ in their verse (equal details would merge)
};

std::vector<Batch> workload_batches() {
  std::vector<Batch> out;
  for (int b = 0; b < kBatchesPerUser; ++b) {
    for (int u = 0; u < kUsers; ++u) {
      Batch batch{"user" + std::to_string(u), {}, "key-" + std::to_string(u) + "-" + std::to_string(b),
                  1 + b * kPerBatch};
      for (int i = 0; i < kPerBatch; ++i) batch.ids.push_back("b" + std::to_string(b) + "-" + std::to_string(i));
      out.push_back(std::move(batch));
    }
  }
  return out;
}

std::string push_body(const Batch& batch) {
  json::array mutations;
  for (std::size_t i = 0; i < batch.ids.size(); ++i) {
    mutations.push_back(json::object{
        {"type", "CREATE"}, {"resource", "BOOKMARK"}, {"resourceId", batch.ids[i]},
        {"data", json::object{{"key", 2}, {"type", "ayah"},
                              {"verseNumber", batch.first_verse + static_cast<int>(i)}, {"mushaf", 1}}}});
  }
  return json::serialize(json::object{{"mutations", std::move(mutations)}});
}

struct RunResult {
  std::vector<const Batch*> promised;     // answered 200 before the power went
  std::map<std::string, int> failures;    // other answers, by status, for the disk-fault loops
  bool backup_done = false;               // the backup said it was complete before the cut
};

client::HttpResponse send(InProcessServer& server, const std::string& user, const std::string& method,
                          const std::string& target, const std::string& body = "", const std::string& key = "") {
  client::HttpRequest r;
  r.method = method;
  r.target = target;
  r.headers = {{"authorization", "Bearer " + server.token_for(user)}, {"x-client-id", user + "-phone"}};
  if (!key.empty()) r.headers.emplace_back("idempotency-key", key);
  if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
  r.body = body;
  auto answer = server.transport()->send(r);
  if (!answer.ok()) throw std::runtime_error("transport: " + answer.error().message);
  return *answer;
}

// The workload, stopped as soon as the power is seen to have gone (the machine is dead: what
// the process does after that never reaches anyone).
RunResult run_workload(const std::string& db, const std::string& backup_path, FaultVfs& vfs) {
  RunResult result;
  static const auto batches = workload_batches();
  InProcessServerOptions options;
  options.db = db;
  InProcessServer server(options);
  auto* sqlite = dynamic_cast<storage::sqlite::SqliteStore*>(&server.store());
  for (const auto& batch : batches) {
    if (vfs.power_cut()) return result;
    // Field mode: a stale lastMutationAt is no conflict, so the batches need no chaining.
    const auto answer = send(server, batch.user, "POST", "/v1/sync?conflictMode=field&lastMutationAt=-1",
                             push_body(batch), batch.key);
    if (vfs.power_cut()) return result;
    if (answer.status == 200) {
      result.promised.push_back(&batch);
    } else {
      ++result.failures[std::to_string(answer.status)];
    }
  }
  if (sqlite) {
    sqlite->test_compact_now().status().ignore();
    if (vfs.power_cut()) return result;
    sqlite->test_purge_now().status().ignore();
    if (vfs.power_cut()) return result;
  }
  storage::sqlite::BackupOptions b;
  b.source = db;
  b.destination = backup_path;
  const bool done = storage::sqlite::backup_database(b).ok();
  result.backup_done = done && !vfs.power_cut();
  return result;
}

// What the store holds after a restart: each user's bookmark ids.
std::map<std::string, std::set<std::string>> stored_ids(const std::string& db) {
  InProcessServerOptions options;
  options.db = db;
  InProcessServer server(options);
  std::map<std::string, std::set<std::string>> out;
  for (int u = 0; u < kUsers; ++u) {
    const std::string user = "user" + std::to_string(u);
    const auto answer = send(server, user, "GET", "/v1/sync?mutationsSince=0");
    if (answer.status != 200) throw std::runtime_error("pull after restart: " + answer.body);
    const auto root = json::parse(answer.body);
    for (const auto& m : root.at("data").at("mutations").as_array()) {
      out[user].insert(std::string(m.at("resourceId").as_string()));
    }
  }
  return out;
}

// The database passes integrity_check, or it does not exist because it was never made durable
// (the cut came before its first sync), in which case nothing can have been promised.
void expect_whole_file(const std::string& db, const RunResult& run, const std::string& where) {
  if (!std::filesystem::exists(db)) {
    EXPECT_TRUE(run.promised.empty()) << where << ": the database is gone but pushes were acknowledged";
    return;
  }
  EXPECT_EQ(integrity_check(db), "ok") << where;
}

// Every promised batch is there whole; every other batch is there whole or not at all.
void expect_whole_batches(const std::map<std::string, std::set<std::string>>& stored,
                          const std::vector<const Batch*>& promised, const std::string& where) {
  std::set<const Batch*> kept(promised.begin(), promised.end());
  for (const auto& batch : workload_batches()) {
    int present = 0;
    const auto it = stored.find(batch.user);
    for (const auto& id : batch.ids) present += it != stored.end() && it->second.count(id) ? 1 : 0;
    const bool was_promised = std::any_of(promised.begin(), promised.end(),
                                          [&](const Batch* p) { return p->key == batch.key; });
    if (was_promised) {
      EXPECT_EQ(present, kPerBatch) << where << ": acknowledged batch " << batch.key << " lost";
    } else {
      EXPECT_TRUE(present == 0 || present == kPerBatch)
          << where << ": batch " << batch.key << " half applied (" << present << " of " << kPerBatch << ")";
    }
  }
}

class PowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_postgres_host()) GTEST_SKIP() << "the fault-injecting VFS sits under SQLite: SQLite only";
    vfs_ = &FaultVfs::install();
  }
  FaultVfs* vfs_ = nullptr;
};

// One run per cut point: after the Nth sync or the Nth write (`counter` says which, as
// counted by a clean run first, whose result is checked too).
void cut_loop(FaultVfs& vfs, const char* what, int (FaultVfs::*counter)() const, FaultPlan (*plan_for)(int)) {
  int total = 0;
  {
    TempDir dir;
    vfs.arm({});
    const auto clean = run_workload(dir.file("synclog.db"), dir.file("backup.db"), vfs);
    total = (vfs.*counter)();
    vfs.restore_durable();
    ASSERT_EQ(clean.promised.size(), workload_batches().size());
    ASSERT_TRUE(clean.backup_done);
    expect_whole_batches(stored_ids(dir.file("synclog.db")), clean.promised, "clean run");
  }
  ASSERT_GT(total, 10);
  int cut_points = 0;
  for (int n = 1; n <= total; ++n) {
    TempDir dir;
    const std::string where = std::string("power cut after ") + what + " " + std::to_string(n);
    vfs.arm(plan_for(n));
    const auto run = run_workload(dir.file("synclog.db"), dir.file("backup.db"), vfs);
    // Background work (checkpoints) makes the count vary a little: a run that ended before its
    // Nth point had no cut, and is not counted.
    const bool cut = vfs.power_cut();
    vfs.restore_durable();
    if (!cut) continue;
    ++cut_points;
    expect_whole_file(dir.file("synclog.db"), run, where);
    expect_whole_batches(stored_ids(dir.file("synclog.db")), run.promised, where);
    if (run.backup_done) {
      EXPECT_EQ(integrity_check(dir.file("backup.db")), "ok") << where << ": the backup";
    }
    if (::testing::Test::HasFailure()) break;  // one cut point's story is enough to read
  }
  std::printf("power cut loop: %d cut points exercised (one after each of %d %ss)\n", cut_points, total, what);
}

TEST_F(PowerCutTest, EveryAcknowledgedPushSurvivesACutAfterEverySyncAndTheDatabaseStaysWhole) {
  cut_loop(*vfs_, "sync", &FaultVfs::syncs, [](int n) {
    FaultPlan plan;
    plan.cut_after_sync = n;
    plan.torn_last_write = n % 2 == 0;  // every other cut also tears the last unsynced write
    return plan;
  });
}

// Between two syncs: a push answered before its commit was synced would be caught here.
TEST_F(PowerCutTest, EveryAcknowledgedPushSurvivesACutAfterEveryWrite) {
  cut_loop(*vfs_, "write", &FaultVfs::writes, [](int n) {
    FaultPlan plan;
    plan.cut_after_write = n;
    plan.torn_last_write = n % 2 == 1;
    return plan;
  });
}

// A write or a sync that fails ends the push it belongs to with a clear error and leaves nothing
// of it; once the disk is healthy again the server carries on.
void disk_fault_loop(FaultVfs& vfs, bool full_disk, bool fail_sync) {
  int total = 0;
  {
    TempDir dir;
    vfs.arm({});
    run_workload(dir.file("synclog.db"), dir.file("backup.db"), vfs);
    total = fail_sync ? vfs.syncs() : vfs.writes();
    vfs.restore_durable();
  }
  int points = 0;
  for (int n = 1; n <= total; ++n) {
    TempDir dir;
    const std::string where = std::string(fail_sync ? "sync " : full_disk ? "full disk at write " : "EIO at write ") +
                              std::to_string(n);
    FaultPlan plan;
    if (fail_sync) plan.fail_sync_at = n;
    else plan.fail_write_at = n;
    plan.disk_full = full_disk;
    vfs.arm(plan);
    RunResult run;
    try {
      run = run_workload(dir.file("synclog.db"), dir.file("backup.db"), vfs);
    } catch (const std::exception&) {
      // Opening the store itself may meet the fault: a clear failure to start, nothing lost.
      run = {};
    }
    for (const auto& [status, count] : run.failures) {
      if (full_disk) EXPECT_TRUE(status == "507" || status == "503") << where << ": answered " << status;
      else EXPECT_TRUE(status == "500" || status == "503") << where << ": answered " << status;
    }
    vfs.free_space();
    vfs.disarm();
    // Nothing was cut: what the process wrote and synced stays; the unsynced rest is dropped,
    // as a crash now would.
    vfs.restore_durable();
    ++points;
    expect_whole_file(dir.file("synclog.db"), run, where);
    expect_whole_batches(stored_ids(dir.file("synclog.db")), run.promised, where);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("%s loop: %d fault points exercised\n",
              fail_sync ? "failed sync" : full_disk ? "full disk" : "I/O error", points);
}

TEST_F(PowerCutTest, AFullDiskAtEveryWriteIsA507AndNothingHalfDone) { disk_fault_loop(*vfs_, true, false); }
TEST_F(PowerCutTest, AnIoErrorAtEveryWriteFailsThePushAndNothingHalfDone) { disk_fault_loop(*vfs_, false, false); }
TEST_F(PowerCutTest, AFailedSyncIsNeverAcknowledged) { disk_fault_loop(*vfs_, false, true); }

TEST_F(PowerCutTest, TheServerCarriesOnOnceSpaceReturns) {
  TempDir dir;
  InProcessServerOptions options;
  options.db = dir.file("synclog.db");
  InProcessServer server(options);
  const auto batches = workload_batches();
  ASSERT_EQ(send(server, "user0", "POST", "/v1/sync?conflictMode=field&lastMutationAt=-1",
                 push_body(batches[0]), batches[0].key).status, 200);
  FaultPlan plan;
  plan.fail_write_at = 1;
  plan.disk_full = true;
  vfs_->arm(plan);
  const auto full = send(server, "user0", "POST", "/v1/sync?conflictMode=field&lastMutationAt=-1",
                         push_body(batches[3]), batches[3].key);
  EXPECT_EQ(full.status, 507) << full.body;
  EXPECT_NE(full.body.find("insufficient_storage"), std::string::npos) << full.body;
  vfs_->free_space();
  vfs_->disarm();
  // The same request again, under the same key: applied now, once.
  const auto again = send(server, "user0", "POST", "/v1/sync?conflictMode=field&lastMutationAt=-1",
                          push_body(batches[3]), batches[3].key);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(send(server, "user0", "GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace synclog::test
