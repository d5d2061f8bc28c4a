// Retention against the real binary (SPEC section 3 "Retention", docs/api.md): tombstones older
// than --retention are purged in the background, and a pull whose cursor is before the latest
// purged one answers 410 ResyncRequired (it may have missed that deletion); a pull from 0 is the
// resync and succeeds, as do pulls from after the horizon and metadataOnly polls. The horizon
// survives a restart.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using pulls::ack_id;
using pulls::ack_ts;
using pulls::pulled;

constexpr const char* kTwoCollections =
    R"([{"type":"CREATE","resource":"COLLECTION","data":{"name":"Kept"}},)"
    R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Dropped"}}])";

void expect_resync_required(const Response& r) {
  ASSERT_EQ(r.status, 410) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(body.at("success"), json::value(false));
  EXPECT_EQ(body.at("error").at("code").as_string(), "ResyncRequired") << r.body;
  EXPECT_NE(body.at("error").at("message").as_string().find("sync again from 0"), json::string::npos);
}

// Pulls from `since` until it answers 410 (the background purge ran) or `timeout` passes.
Response pull_until_gone(SyncApi& api, std::int64_t since, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Response r = api.pull(since);
  while (r.status == 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = api.pull(since);
  }
  return r;
}

TEST(RetentionTest, PullsFromBeforeAPurgedTombstoneMustResync) {
  ServerProcess server({"--retention", "500ms", "--maintenance-interval", "50ms", "--compact-after", "0s"});
  SyncApi api(server, "alice");
  const auto start = api.head();
  const auto created = api.push_ok(kTwoCollections);
  const std::string dropped = ack_id(created, 1);
  const auto deleted = api.push_ok(R"([{"type":"DELETE","resource":"COLLECTION","resourceId":")" + dropped + R"("}])");
  const std::int64_t tombstone = ack_ts(deleted, 0);

  // Right after the deletion a cursor before it sees the tombstone.
  auto before_purge = api.pull(start);
  ASSERT_EQ(before_purge.status, 200);

  expect_resync_required(pull_until_gone(api, start));
  expect_resync_required(api.pull(tombstone - 1));
  expect_resync_required(api.pull(start, "&page=1&limit=10"));

  // The resync itself, and cursors at or after the horizon, are fine.
  for (const char* since : {"0", "-1"}) {
    auto r = api.client().get(std::string("/v1/sync?mutationsSince=") + since, api.headers());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto ms = r.json().at("data").at("mutations").as_array();
    ASSERT_EQ(ms.size(), 1u) << r.body;  // the kept collection; the tombstone is gone
    EXPECT_EQ(ms[0].at("resourceId").as_string(), ack_id(created, 0));
  }
  EXPECT_EQ(api.pull(tombstone).status, 200);
  auto meta = api.client().get("/v1/sync?mutationsSince=" + std::to_string(start) + "&metadataOnly=true",
                               api.headers());
  EXPECT_EQ(meta.status, 200) << meta.body;

  // The horizon is durable.
  server.terminate();
  server.restart();
  SyncApi again(server, "alice");
  expect_resync_required(again.pull(start));
  EXPECT_EQ(again.pull(0).status, 200);
}

// A resync from 0 in the capped shape must not stop below the horizon: its continuation cursor
// (the last entry's ts) would be refused with 410, and the client would start over forever.
TEST(RetentionTest, AResyncFromZeroNeverHandsOutACursorBelowTheHorizon) {
  ServerProcess server({"--retention", "500ms", "--maintenance-interval", "50ms", "--pull-cap", "2"});
  SyncApi api(server, "alice");
  const auto start = api.head();
  const auto created = api.push_ok(
      R"([{"type":"CREATE","resource":"COLLECTION","data":{"name":"One"}},)"
      R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Two"}},)"
      R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Three"}},)"
      R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Four"}},)"
      R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Five"}}])");
  api.push_ok(R"([{"type":"DELETE","resource":"COLLECTION","resourceId":")" + ack_id(created, 4) + R"("}])");
  expect_resync_required(pull_until_gone(api, start));
  // Live entries below the horizon are newer kept collections only; later writes come after it.
  api.push_ok(R"([{"type":"CREATE","resource":"COLLECTION","data":{"name":"Six"}},)"
              R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Seven"}},)"
              R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Eight"}}])");

  // The mobile engine's loop: pull, store lastMutationAt, pull again while hasMore.
  std::int64_t cursor = 0;
  std::set<std::string> names;
  for (int round = 0; round < 20; ++round) {
    auto r = api.pull(cursor);
    ASSERT_EQ(r.status, 200) << "cursor " << cursor << ": " << r.body;
    const json::value body = r.json();
    const auto& data = body.at("data");
    for (const auto& m : data.at("mutations").as_array()) names.insert(pulls::str(m.at("data").at("name")));
    const auto limit = pulls::num(data.at("limit"));
    EXPECT_EQ(data.at("hasMore").as_bool(), limit < pulls::num(data.at("total")));
    cursor = pulls::num(data.at("lastMutationAt"));
    if (!data.at("hasMore").as_bool()) break;
  }
  EXPECT_EQ(names, (std::set<std::string>{"One", "Two", "Three", "Four", "Six", "Seven", "Eight"}));
  EXPECT_EQ(cursor, api.head());
}

TEST(RetentionTest, OtherUsersAndLiveResourcesAreUntouched) {
  ServerProcess server({"--retention", "500ms", "--maintenance-interval", "50ms"});
  SyncApi alice(server, "alice");
  SyncApi bob(server, "bob");
  const auto alice_start = alice.head();
  const auto bob_start = bob.head();
  const auto created = alice.push_ok(kTwoCollections);
  alice.push_ok(R"([{"type":"DELETE","resource":"COLLECTION","resourceId":")" + ack_id(created, 1) + R"("}])");
  bob.push_ok(kTwoCollections);

  expect_resync_required(pull_until_gone(alice, alice_start));
  // Bob deleted nothing: his old cursor still works and sees both of his collections.
  auto r = bob.pull(bob_start);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("data").at("mutations").as_array().size(), 2u);
}

TEST(RetentionTest, TombstonesWithinTheWindowAreKept) {
  ServerProcess server({"--maintenance-interval", "50ms"});  // the default window: 90 days
  SyncApi api(server, "alice");
  const auto start = api.head();
  const auto created = api.push_ok(kTwoCollections);
  api.push_ok(R"([{"type":"DELETE","resource":"COLLECTION","resourceId":")" + ack_id(created, 1) + R"("}])");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto ms = pulled(api, start);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[1].at("type").as_string(), "DELETE");
}

}  // namespace
}  // namespace synclog::test
