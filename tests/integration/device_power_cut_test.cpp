// Power cuts and disk faults under the SDK's local file: the phone in the field technician's
// pocket. The fault-injecting VFS (tests/support/fault_vfs.hpp) sits under the device's SQLite
// file only (the server is the real binary, in a process of its own), and these loops cut the
// power after every sync of the file in turn while the app saves records and syncs them, or
// fail a write (full disk, I/O error) or a sync. After each, the file must open (migrations and
// all), pass PRAGMA integrity_check, and hold every record a put() acknowledged before the cut;
// one more sync then brings the server exactly those records, each once.
#include "synclog/client/sync_engine.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fault_vfs.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace synclog::client {
namespace {

namespace json = boost::json;
using test::FaultPlan;
using test::FaultVfs;
using test::ServerProcess;
using test::TempDir;

constexpr int kRecords = 9;
constexpr int kSyncEvery = 3;

std::string url_of(const ServerProcess& server) {
  return "http://" + server.host() + ":" + std::to_string(server.port());
}

std::string record_id(int i) { return "d" + std::to_string(i); }

std::string bookmark(int i) {
  return json::serialize(json::object{{"key", 3}, {"type", "ayah"}, {"verseNumber", 1 + i}, {"mushaf", 1}});
}

SyncOptions fast() {
  SyncOptions o;
  o.backoff_base = std::chrono::milliseconds(5);
  o.backoff_cap = std::chrono::milliseconds(20);
  o.max_attempts = 2;
  o.spaces = false;
  return o;
}

struct Outcome {
  std::set<std::string> promised;  // put() said OK before the power went
  bool opened = true;              // the file could be opened at all (an open may be the fault)
};

// The app's life on the device until the power goes: save records, sync every few.
Outcome run_app(const std::string& path, const std::string& url, const std::string& token, FaultVfs& vfs) {
  Outcome out;
  auto store = LocalStore::open(path);
  if (!store.ok()) {
    out.opened = false;
    return out;
  }
  if (!(*store)->set_server_url(url).ok() || !(*store)->set_token(token).ok()) return out;
  SyncEngine engine(**store, fast());
  for (int i = 0; i < kRecords && !vfs.power_cut(); ++i) {
    auto put = (*store)->put(Resource::kBookmark, bookmark(i), std::string_view(record_id(i)));
    if (put.ok() && !vfs.power_cut()) out.promised.insert(record_id(i));
    if ((i + 1) % kSyncEvery == 0) engine.sync().status().ignore();
  }
  return out;
}

std::set<std::string> server_ids(const ServerProcess& server, const std::string& user) {
  const auto r = server.client().get("/v1/sync?mutationsSince=0", server.auth(user));
  if (r.status != 200) throw std::runtime_error("pull: " + r.body);
  std::set<std::string> out;
  std::size_t entries = 0;
  const json::value root = json::parse(r.body);
  for (const auto& m : root.at("data").at("mutations").as_array()) {
    out.insert(std::string(m.at("resourceId").as_string()));
    ++entries;
  }
  if (entries != out.size()) throw std::runtime_error("the server holds a record twice");
  return out;
}

// After the fault: the file opens and is whole, holds every promised record, and one sync
// brings the server exactly what the device holds.
void check_after(const std::string& path, const Outcome& run, const ServerProcess& server,
                 const std::string& user, const std::string& where) {
  if (!std::filesystem::exists(path)) {
    // The cut came before the file's first sync: it never existed, and nothing was promised.
    EXPECT_TRUE(run.promised.empty()) << where << ": the file is gone but saves were acknowledged";
    return;
  }
  EXPECT_EQ(test::integrity_check(path), "ok") << where;
  auto store = LocalStore::open(path);
  ASSERT_TRUE(store.ok()) << where << ": " << store.error().message;
  std::set<std::string> held;
  auto list = (*store)->list(Resource::kBookmark);
  ASSERT_TRUE(list.ok()) << where;
  for (const auto& r : *list) held.insert(r.id);
  for (const auto& id : run.promised) EXPECT_TRUE(held.count(id)) << where << ": saved record " << id << " lost";
  // The device's settings may have been saved after the cut: the app gives them again.
  ASSERT_TRUE((*store)->set_server_url(url_of(server)).ok() && (*store)->set_token(server.token(user)).ok()) << where;
  SyncEngine engine(**store, fast());
  auto synced = engine.sync();
  ASSERT_TRUE(synced.ok()) << where << ": " << synced.error().message;
  const auto on_server = server_ids(server, user);
  for (const auto& id : held) EXPECT_TRUE(on_server.count(id)) << where << ": " << id << " never reached the server";
}

class DevicePowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::test_postgres_host()) GTEST_SKIP() << "the VFS sits under the device's SQLite file: once is enough";
    vfs_ = &FaultVfs::install();
  }
  FaultVfs* vfs_ = nullptr;
};

// The loop shared by every fault: a clean run counts the points, then one run per point.
template <class Plan>
void fault_loop(FaultVfs& vfs, const char* what, int (FaultVfs::*counter)() const, Plan plan_for) {
  ServerProcess server;
  int total = 0;
  {
    TempDir dir;
    vfs.arm({});
    const auto clean = run_app(dir.file("phone.db"), url_of(server), server.token("clean"), vfs);
    total = (vfs.*counter)();
    vfs.restore_durable();
    ASSERT_EQ(clean.promised.size(), static_cast<std::size_t>(kRecords));
  }
  ASSERT_GT(total, 5);
  int points = 0;
  for (int n = 1; n <= total; ++n) {
    TempDir dir;
    const std::string user = "u" + std::to_string(n);
    const std::string where = std::string(what) + " " + std::to_string(n);
    vfs.arm(plan_for(n));
    const auto run = run_app(dir.file("phone.db"), url_of(server), server.token(user), vfs);
    vfs.free_space();
    vfs.restore_durable();
    ++points;
    if (!run.opened) continue;  // the fault was the file's own open: nothing was saved
    check_after(dir.file("phone.db"), run, server, user, where);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("device %s loop: %d points exercised\n", what, points);
}

TEST_F(DevicePowerCutTest, EverySavedRecordSurvivesACutAfterEverySync) {
  fault_loop(*vfs_, "power cut after sync", &FaultVfs::syncs, [](int n) {
    FaultPlan p;
    p.cut_after_sync = n;
    p.torn_last_write = n % 2 == 0;
    return p;
  });
}

// Between two syncs: a put answered before its commit was synced would be caught here.
TEST_F(DevicePowerCutTest, EverySavedRecordSurvivesACutAfterEveryWrite) {
  fault_loop(*vfs_, "power cut after write", &FaultVfs::writes, [](int n) {
    FaultPlan p;
    p.cut_after_write = n;
    p.torn_last_write = n % 2 == 0;
    return p;
  });
}

TEST_F(DevicePowerCutTest, AFullDiskAtEveryWriteLosesNothingSaved) {
  fault_loop(*vfs_, "full disk at write", &FaultVfs::writes, [](int n) {
    FaultPlan p;
    p.fail_write_at = n;
    p.disk_full = true;
    return p;
  });
}

TEST_F(DevicePowerCutTest, AFailedSyncIsNeverTakenForASave) {
  fault_loop(*vfs_, "failed sync", &FaultVfs::syncs, [](int n) {
    FaultPlan p;
    p.fail_sync_at = n;
    return p;
  });
}

TEST_F(DevicePowerCutTest, AFullDiskIsAClearErrorAndSavingWorksOnceSpaceReturns) {
  ServerProcess server;
  TempDir dir;
  auto store = LocalStore::open(dir.file("phone.db"));
  ASSERT_TRUE(store.ok());
  FaultPlan plan;
  plan.fail_write_at = 1;
  plan.disk_full = true;
  vfs_->arm(plan);
  auto full = (*store)->put(Resource::kBookmark, bookmark(0), std::string_view(record_id(0)));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kInsufficientStorage) << full.error().message;
  vfs_->free_space();
  vfs_->disarm();
  auto again = (*store)->put(Resource::kBookmark, bookmark(0), std::string_view(record_id(0)));
  EXPECT_TRUE(again.ok()) << again.error().message;
}

}  // namespace
}  // namespace synclog::client
