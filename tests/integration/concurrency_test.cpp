// Concurrent writers against the real binary (SPEC section 2 "Clock", "Acks", "Batches"):
// two devices of one user racing at the same head get exactly one 200 and one 409 and
// nothing acknowledged is lost or doubled; different users never conflict with each other;
// a user's head only ever rises, whoever is writing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

std::string note(const std::string& body) {
  return R"([{"resource":"NOTE","type":"CREATE","data":{"body":")" + body +
         R"(","ranges":["2:1-2:5"]}}])";
}

std::int64_t head_of(const Response& r) {
  return r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  // No per-user rate limit: these tests hammer one user on purpose.
  ServerProcess server_{std::vector<std::string>{"--rate-limit", "0"}};
};

TEST_F(ConcurrencyTest, RacingDevicesGetExactlyOne200AndOne409) {
  constexpr int kRounds = 40;
  SyncApi phone(server_, "alice", "phone");
  SyncApi tablet(server_, "alice", "tablet");
  SyncApi observer(server_, "alice", "observer");
  std::vector<std::string> acked;
  std::int64_t last_head = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    const std::int64_t head = observer.head();
    EXPECT_GE(head, last_head);
    std::latch go(3);
    Response results[2];
    SyncApi* devices[2] = {&phone, &tablet};
    std::vector<std::thread> threads;
    for (int d = 0; d < 2; ++d) {
      threads.emplace_back([&, d] {
        go.arrive_and_wait();
        results[d] = devices[d]->push(head, note("round " + std::to_string(round) + " device " +
                                                 std::to_string(d)));
      });
    }
    go.arrive_and_wait();
    for (auto& t : threads) t.join();

    int ok = 0, conflict = 0;
    for (const auto& r : results) {
      if (r.status == 200) {
        ++ok;
        const auto body = r.json();
        const auto& acks = body.at("data").at("mutations").as_array();
        ASSERT_EQ(acks.size(), 1u);
        acked.emplace_back(acks[0].at("resourceId").as_string());
        const auto new_head = head_of(r);
        EXPECT_GT(new_head, head);
        last_head = new_head;
      } else if (r.status == 409) {
        ++conflict;
        EXPECT_EQ(r.json().at("error").at("code").as_string(), "OutOfSyncError");
      } else {
        ADD_FAILURE() << "unexpected " << r.status << ": " << r.body;
      }
    }
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(conflict, 1);
  }

  // Every acknowledged note is there exactly once, and nothing else is.
  const auto body = observer.pull(0).json();
  std::map<std::string, int> seen;
  for (const auto& m : body.at("data").at("mutations").as_array()) {
    ++seen[std::string(m.at("resourceId").as_string())];
  }
  EXPECT_EQ(seen.size(), acked.size());
  for (const auto& id : acked) EXPECT_EQ(seen[id], 1) << id;
  EXPECT_EQ(head_of(observer.pull(0)), last_head);
}

TEST_F(ConcurrencyTest, DifferentUsersPushingInParallelNeverConflict) {
  constexpr int kUsers = 6;
  constexpr int kPushes = 15;
  std::vector<std::vector<int>> statuses(kUsers);
  std::vector<std::vector<std::int64_t>> heads(kUsers);
  std::latch go(kUsers);
  std::vector<std::thread> threads;
  for (int u = 0; u < kUsers; ++u) {
    threads.emplace_back([&, u] {
      SyncApi api(server_, "user" + std::to_string(u));
      std::int64_t head = api.head();
      heads[u].push_back(head);
      go.arrive_and_wait();
      for (int i = 0; i < kPushes; ++i) {
        auto r = api.push(head, note("user " + std::to_string(u) + " push " + std::to_string(i)));
        statuses[u].push_back(r.status);
        if (r.status != 200) return;
        head = head_of(r);
        heads[u].push_back(head);
      }
    });
  }
  for (auto& t : threads) t.join();

  for (int u = 0; u < kUsers; ++u) {
    SCOPED_TRACE("user" + std::to_string(u));
    EXPECT_EQ(statuses[u], std::vector<int>(kPushes, 200));
    for (std::size_t i = 1; i < heads[u].size(); ++i) EXPECT_GT(heads[u][i], heads[u][i - 1]);
    SyncApi api(server_, "user" + std::to_string(u));
    const auto body = api.pull(0).json();
    EXPECT_EQ(body.at("data").at("mutations").as_array().size(), static_cast<std::size_t>(kPushes));
    EXPECT_EQ(api.head(), heads[u].back());
  }
}

TEST_F(ConcurrencyTest, HeadOnlyRisesWhileDevicesWrite) {
  constexpr int kWritesPerDevice = 20;
  std::atomic<bool> writing{true};
  std::vector<std::int64_t> observed;
  std::vector<std::string> failures;
  std::mutex failures_mu;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mu);
    failures.push_back(std::move(what));
  };

  std::thread reader([&] {
    SyncApi api(server_, "alice", "reader");
    while (writing.load()) {
      auto meta = api.client().get("/v1/sync?mutationsSince=0&metadataOnly=true", api.headers());
      auto full = api.pull(0);
      if (meta.status != 200 || full.status != 200) {
        fail("read failed: " + std::to_string(meta.status) + "/" + std::to_string(full.status));
        return;
      }
      const auto h1 = head_of(meta);
      const auto h2 = head_of(full);
      if (meta.header("x-mutation-at") != std::to_string(h1)) fail("X-Mutation-At differs from the head");
      observed.push_back(h1);
      observed.push_back(h2);
    }
  });
  std::vector<std::thread> writers;
  for (int d = 0; d < 2; ++d) {
    writers.emplace_back([&, d] {
      SyncApi api(server_, "alice", "device-" + std::to_string(d));
      int written = 0;
      std::int64_t last_ack = 0;
      for (int attempt = 0; written < kWritesPerDevice && attempt < 2000; ++attempt) {
        const auto head = api.head();
        auto r = api.push(head, note("device " + std::to_string(d) + " write " + std::to_string(written)));
        if (r.status == 409) continue;  // the other device won: pull the new head and retry
        if (r.status != 200) {
          fail("push failed: " + std::to_string(r.status) + " " + r.body);
          return;
        }
        const auto ack = head_of(r);
        if (ack <= head || ack <= last_ack) fail("an acknowledged head did not rise");
        last_ack = ack;
        ++written;
      }
      if (written < kWritesPerDevice) fail("device " + std::to_string(d) + " starved");
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  reader.join();

  for (const auto& f : failures) ADD_FAILURE() << f;
  ASSERT_FALSE(observed.empty());
  for (std::size_t i = 1; i < observed.size(); ++i) {
    EXPECT_LE(observed[i - 1], observed[i]) << "the head went back at observation " << i;
  }
  SyncApi api(server_, "alice");
  EXPECT_EQ(api.pull(0).json().at("data").at("mutations").as_array().size(),
            static_cast<std::size_t>(2 * kWritesPerDevice));
}

}  // namespace
}  // namespace synclog::test
