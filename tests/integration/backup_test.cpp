// `synclog backup` against a server under write load (docs/storage.md, "Backups and
// inspection"): the real binary copies the database several times while several threads keep
// pushing batches for several users; each copy is then served by a second server
// (`serve --data-dir <fresh dir> --db <copy>`, with tokens from the fresh directory's secret)
// and must hold, for every user, every batch acknowledged before its backup started, each batch
// whole or not at all, and a head that matches its last entry. Also the refusals: an existing
// --out without --force, and a missing source.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"
#include "synclog_command.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kThreads = 4;
constexpr int kUsersPerThread = 2;
constexpr int kNotesPerBatch = 3;
constexpr int kBackups = 4;
// Note bodies are padded so the database soon outgrows one backup step (4 MiB at SQLite's
// default page size; it reaches tens of MiB here), and copies take several steps while the
// server writes.
constexpr std::size_t kBodyPadding = 1500;


std::string user_name(int u) { return "backup-user-" + std::to_string(u); }

// Batch `b` of user `u`: kNotesPerBatch note CREATEs whose bodies say whose and which they are.
std::string batch_json(int u, int b) {
  const std::string padding(kBodyPadding, 'x');
  std::string out = "[";
  for (int n = 0; n < kNotesPerBatch; ++n) {
    if (n) out += ",";
    out += R"({"resource":"NOTE","type":"CREATE","data":{"body":"user )" + std::to_string(u) +
           " batch " + std::to_string(b) + " note " + std::to_string(n) + " " + padding +
           R"(","ranges":["2:1-2:5"]}})";
  }
  return out + "]";
}

// One pushed batch, as the pushing thread saw it.
struct Batch {
  SteadyClock::time_point sent;
  SteadyClock::time_point acked;  // when the 200 arrived
};

// Everything one user pushed, in order (batch b is sent only after batch b-1's 200). Written
// by one load thread; read after it has been joined.
struct UserLog {
  std::int64_t baseline = 0;  // the head before any push
  std::vector<Batch> batches;
};

struct BackupRun {
  fs::path copy;
  SteadyClock::time_point started;
  SteadyClock::time_point finished;
  CommandRun run;
};

// A note entry of a pull, decoded from its body.
struct NoteEntry {
  int user = -1;
  int batch = -1;
  int note = -1;
  std::int64_t timestamp = 0;
};

// Every entry of the user's log in `api`'s server, by cursor paging.
std::vector<NoteEntry> all_notes(SyncApi& api) {
  std::vector<NoteEntry> out;
  std::int64_t since = 0;
  for (;;) {
    auto r = api.pull(since, "&limit=1000&page=1");
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return out;
    const auto body = r.json();
    const auto& data = body.at("data").as_object();
    const auto& ms = data.at("mutations").as_array();
    for (const auto& m : ms) {
      NoteEntry e;
      e.timestamp = m.at("timestamp").to_number<std::int64_t>();
      EXPECT_EQ(m.at("resource").as_string(), "NOTE");
      EXPECT_EQ(m.at("type").as_string(), "CREATE");
      const std::string text(m.at("data").at("body").as_string());
      EXPECT_EQ(std::sscanf(text.c_str(), "user %d batch %d note %d", &e.user, &e.batch, &e.note), 3)
          << text.substr(0, 40);
      out.push_back(e);
      since = e.timestamp;
    }
    if (ms.empty() || !data.at("hasMore").as_bool()) return out;
  }
}

std::size_t failures_count(std::mutex& mu, const std::vector<std::string>& failures) {
  std::lock_guard lock(mu);
  return failures.size();
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_postgres_host()) {
      GTEST_SKIP() << "synclog backup copies the embedded SQLite store; a PostgreSQL deployment "
                      "is backed up with PostgreSQL's own tools (docs/deploy.md)";
    }
    std::random_device rd;
    for (;;) {
      scratch_ = fs::temp_directory_path() / ("synclog-backup-test-" + std::to_string(rd()));
      std::error_code ec;
      if (fs::create_directory(scratch_, ec)) break;
    }
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }

  CommandRun backup(const ServerProcess& server, const fs::path& out, bool force = false) {
    std::vector<std::string> args = {"backup", "--data-dir", server.data_dir().string(), "--out",
                                     out.string()};
    if (force) args.push_back("--force");
    return run_synclog(args, scratch_ / "backup.log");
  }

  fs::path scratch_;
};

TEST_F(BackupTest, CopiesTakenUnderLoadHoldEveryAcknowledgedBatchWholeAndServe) {
  ServerProcess server({"--rate-limit", "0", "--access-log", "off"});
  constexpr int kUsers = kThreads * kUsersPerThread;
  std::vector<UserLog> logs(kUsers);
  for (int u = 0; u < kUsers; ++u) {
    SyncApi api(server, user_name(u));
    logs[u].baseline = api.head();  // also creates the user before any backup
  }

  std::atomic<bool> running{true};
  std::atomic<int> sends{0};  // pushes started; counted after their `sent` time is taken
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<SyncApi> apis;
      std::vector<std::int64_t> heads;
      apis.reserve(kUsersPerThread);
      for (int i = 0; i < kUsersPerThread; ++i) {
        const int u = t * kUsersPerThread + i;
        apis.emplace_back(server, user_name(u), "device-" + std::to_string(u));
        heads.push_back(logs[u].baseline);
      }
      while (running.load()) {
        for (int i = 0; i < kUsersPerThread; ++i) {
          const int u = t * kUsersPerThread + i;
          const int b = static_cast<int>(logs[u].batches.size());
          Batch batch;
          batch.sent = SteadyClock::now();
          sends.fetch_add(1);
          auto r = apis[i].push(heads[i], batch_json(u, b));
          batch.acked = SteadyClock::now();
          if (r.status != 200) {
            std::lock_guard lock(failures_mu);
            failures.push_back(user_name(u) + " batch " + std::to_string(b) + ": " +
                               std::to_string(r.status) + " " + r.body.substr(0, 200));
            return;  // its fate is unknown, so later batches could not be judged
          }
          heads[i] = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
          logs[u].batches.push_back(batch);
        }
      }
    });
  }

  std::vector<BackupRun> backups(kBackups);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (int i = 0; i < kBackups; ++i) {
    auto& b = backups[i];
    b.copy = scratch_ / ("copy-" + std::to_string(i) + ".db");
    b.started = SteadyClock::now();
    b.run = backup(server, b.copy);
    b.finished = SteadyClock::now();
    // Keep writing past this backup before the next one (and before stopping): each thread
    // may have one push counted after its `sent` time was taken before `finished`, so one more
    // than that guarantees a push sent after the backup.
    const int target = sends.load() + kThreads + 1;
    const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    while (sends.load() < target && failures_count(failures_mu, failures) == 0 &&
           SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  running.store(false);
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << "push failed: " << f;

  for (int i = 0; i < kBackups; ++i) {
    const auto& b = backups[i];
    SCOPED_TRACE("backup " + std::to_string(i) + ": " + b.run.output());
    ASSERT_EQ(b.run.exit_code, 0);
    EXPECT_NE(b.run.output().find("pages"), std::string::npos);
    // The load ran through the copy: some user pushed after it finished.
    bool later_acks = false;
    for (const auto& log : logs) {
      later_acks = later_acks || (!log.batches.empty() && log.batches.back().sent > b.finished);
    }
    EXPECT_TRUE(later_acks);

    const fs::path fresh_dir = scratch_ / ("serve-" + std::to_string(i));
    fs::create_directory(fresh_dir);
    // The copy, served from a fresh data directory: its secret mints the tokens, and users are
    // found by the token's subject.
    ServerProcess copy_server({"--db", b.copy.string(), "--rate-limit", "0", "--access-log", "off"},
                              fresh_dir);
    for (int u = 0; u < kUsers; ++u) {
      SCOPED_TRACE(user_name(u));
      const auto& log = logs[u];
      SyncApi api(copy_server, user_name(u));
      const auto notes = all_notes(api);
      std::map<int, int> notes_per_batch;
      std::int64_t last_ts = 0;
      for (const auto& e : notes) {
        EXPECT_EQ(e.user, u);
        EXPECT_GT(e.timestamp, last_ts);
        last_ts = e.timestamp;
        ++notes_per_batch[e.batch];
      }
      // Whole or absent, and (batches being sequential per user) exactly the first `present`.
      const int present = static_cast<int>(notes_per_batch.size());
      for (const auto& [batch, count] : notes_per_batch) {
        EXPECT_EQ(count, kNotesPerBatch) << "batch " << batch << " is partly there";
        EXPECT_LT(batch, present) << "batch " << batch << " without all the ones before it";
      }
      ASSERT_LE(present, static_cast<int>(log.batches.size()));
      for (int k = 0; k < static_cast<int>(log.batches.size()); ++k) {
        if (log.batches[k].acked < b.started) {
          EXPECT_LT(k, present) << "batch " << k << " was acknowledged before the backup began";
        }
        if (k < present) {
          EXPECT_LT(log.batches[k].sent, b.finished) << "batch " << k << " was sent after the backup";
        }
      }
      // The head is the last entry's ts (or the baseline): head and log from one snapshot.
      EXPECT_EQ(api.head(), notes.empty() ? log.baseline : notes.back().timestamp);
    }
    EXPECT_EQ(copy_server.terminate(), 0);
  }
}

TEST_F(BackupTest, ExistingOutputIsLeftUnchangedWithoutForce) {
  ServerProcess server({"--access-log", "off"});
  SyncApi(server, "alice").push_ok(batch_json(0, 0));
  const fs::path out = scratch_ / "existing.db";
  const std::string original = "an earlier backup, not to be lost";
  std::ofstream(out) << original;

  const auto refused = backup(server, out);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output().find("already exists"), std::string::npos) << refused.output();
  EXPECT_NE(refused.output().find("--force"), std::string::npos) << refused.output();
  EXPECT_EQ(slurp(out), original);
  // Nothing left behind next to it either.
  for (const auto& entry : fs::directory_iterator(scratch_)) {
    EXPECT_EQ(entry.path().filename().string().find("existing.db.tmp"), std::string::npos)
        << entry.path();
  }

  const auto forced = backup(server, out, /*force=*/true);
  EXPECT_EQ(forced.exit_code, 0) << forced.output();
  EXPECT_EQ(slurp(out).substr(0, 16), std::string("SQLite format 3\0", 16));
}

TEST_F(BackupTest, MissingSourceIsAClearError) {
  const fs::path out = scratch_ / "copy.db";
  const auto run = run_synclog({"backup", "--data-dir", (scratch_ / "no-such-dir").string(), "--out",
                                out.string()},
                               scratch_ / "backup.log");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output().find("no database at " + (scratch_ / "no-such-dir" / "synclog.db").string()),
            std::string::npos)
      << run.output();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(scratch_ / "no-such-dir"));  // looking did not create it
}

}  // namespace
}  // namespace synclog::test
