// The mutation clock against a wall clock that steps back (SPEC section 2 "Clock"; issue: "the
// clock never goes backwards, also when the machine's wall clock steps back or the server
// restarts"). The real binary runs under libfaketime (Debian's libfaketime, LD_PRELOAD), whose
// offset file this test rewrites while the server runs: the server's wall clock jumps an hour
// back, then a day back across a restart, and every timestamp it hands out must still rise.
// Monotonic clocks are left alone (FAKETIME_DONT_FAKE_MONOTONIC), as a real NTP step would.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// Tokens are back-dated by this much and live this long, so they stay valid for a server
// whose clock runs up to a day behind.
constexpr std::int64_t kBackdateSeconds = 2 * 24 * 3600;
constexpr std::int64_t kTokenTtlSeconds = 4 * 24 * 3600;

class ClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(SYNCLOG_FAKETIME_LIB)) {
      FAIL() << "libfaketime is required (" << SYNCLOG_FAKETIME_LIB << "); scripts/install-deps installs it";
    }
    dir_ = fs::temp_directory_path() / ("synclog-clock-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    offset_file_ = dir_ / "faketime";
    set_offset("+0");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // libfaketime re-reads the file on every clock call (FAKETIME_NO_CACHE=1).
  void set_offset(const std::string& offset) {
    const fs::path tmp = offset_file_.string() + ".tmp";
    std::ofstream(tmp) << offset << "\n";
    fs::rename(tmp, offset_file_);
  }
  std::vector<std::string> env() const {
    return {std::string("LD_PRELOAD=") + SYNCLOG_FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE=" + offset_file_.string(),
            "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"};
  }
  Headers auth(const ServerProcess& server, const std::string& user, const std::string& device) const {
    return {{"x-auth-token", server.token(user, "", kTokenTtlSeconds, kBackdateSeconds)}, {"x-client-id", device}};
  }
  // Pushes one collection CREATE at `head` and returns the new head (0 on failure).
  std::int64_t push(const ServerProcess& server, const Headers& h, std::int64_t head, const std::string& name) {
    auto r = server.client().post("/v1/sync?lastMutationAt=" + std::to_string(head),
                                  R"({"mutations":[{"type":"CREATE","resource":"COLLECTION","data":{"name":")" +
                                      name + R"("}}]})",
                                  h);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return 0;
    const auto ts = pulls::num(r.json().at("data").at("mutations").at(0).at("timestamp"));
    EXPECT_EQ(pulls::num(r.json().at("data").at("lastMutationAt")), ts);
    return ts;
  }
  std::int64_t head(const ServerProcess& server, const Headers& h) {
    auto r = server.client().get("/v1/sync?mutationsSince=0&metadataOnly=true", h);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? pulls::num(r.json().at("data").at("lastMutationAt")) : 0;
  }

  fs::path dir_;
  fs::path offset_file_;
};

TEST_F(ClockTest, TimestampsKeepRisingWhenTheWallClockStepsBack) {
  ServerProcess server({"--rate-limit", "0"}, dir_ / "data", env());
  const Headers h = auth(server, "alice", "phone");
  std::int64_t last = head(server, h);
  const std::int64_t real_now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  last = push(server, h, last, "before the step");
  ASSERT_GT(last, 0);
  EXPECT_GE(last, real_now - 60'000);  // the server's clock is real time until the step

  set_offset("-1h");
  std::vector<std::int64_t> stamps;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t next = push(server, h, last, "after the step " + std::to_string(i));
    ASSERT_GT(next, last) << "a timestamp went backwards after the wall clock stepped back";
    // Each is the previous head + 1: the wall clock, an hour behind, never wins.
    EXPECT_EQ(next, last + 1);
    last = next;
  }
  // A direct write, and a user first seen while the clock is behind, follow the same rule.
  auto direct = server.client().post("/v1/collections", R"({"name":"direct"})", h);
  ASSERT_EQ(direct.status, 200) << direct.body;
  EXPECT_EQ(std::stoll(direct.header("x-mutation-at")), last + 1);
  last += 1;
  const Headers bob = auth(server, "bob", "phone");
  const std::int64_t bob_start = head(server, bob);
  EXPECT_GT(push(server, bob, bob_start, "bob's"), bob_start);

  // The pull agrees: strictly ascending timestamps, the last one the head.
  auto r = server.client().get("/v1/sync?mutationsSince=0", h);
  ASSERT_EQ(r.status, 200) << r.body;
  std::int64_t previous = 0;
  const json::value body = r.json();
  for (const auto& m : body.at("data").at("mutations").as_array()) {
    const auto ts = pulls::num(m.at("timestamp"));
    EXPECT_GT(ts, previous);
    previous = ts;
  }
  EXPECT_EQ(previous, last);
  EXPECT_EQ(head(server, h), last);
}

TEST_F(ClockTest, TimestampsKeepRisingAcrossARestartWithTheClockADayBehind) {
  ServerProcess server({"--rate-limit", "0"}, dir_ / "data", env());
  const Headers h = auth(server, "alice", "phone");
  std::int64_t last = push(server, h, head(server, h), "first life");
  ASSERT_GT(last, 0);

  // Killed, not drained: the head must come from what was committed, not from memory.
  server.kill9();
  set_offset("-1d");
  server.restart();
  EXPECT_EQ(head(server, h), last);
  for (int i = 0; i < 3; ++i) {
    const std::int64_t next = push(server, h, last, "second life " + std::to_string(i));
    ASSERT_EQ(next, last + 1);
    last = next;
  }

  // Once the wall clock is right again (ahead of the head), timestamps follow it again.
  server.terminate();
  set_offset("+0");
  server.restart();
  const std::int64_t next = push(server, h, last, "third life");
  EXPECT_GT(next, last);
}

}  // namespace
}  // namespace synclog::test
