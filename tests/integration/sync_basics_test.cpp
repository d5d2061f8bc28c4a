// The core of the upstream contract against the real binary: first sync, the head and its
// clock, acks, pulls, envelopes and X-Mutation-At (SPEC section 2).
#include <gtest/gtest.h>

#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

class SyncBasicsTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

constexpr const char* kBookmark =
    R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":255}}])";

TEST_F(SyncBasicsTest, NewUserHasAPositiveStableHead) {
  SyncApi api(server_, "alice");
  const auto head = api.head();
  EXPECT_GT(head, 0);
  EXPECT_EQ(api.head(), head);
  auto r = api.pull(0);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("data").at("lastMutationAt").to_number<std::int64_t>(), head);
}

TEST_F(SyncBasicsTest, FirstPushAtTheInitialHeadSucceeds) {
  SyncApi api(server_, "alice");
  const auto head = api.head();
  auto r = api.push(head, kBookmark);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(r.json().at("data").at("lastMutationAt").to_number<std::int64_t>(), head);
}

TEST_F(SyncBasicsTest, FirstPushWithMinusOneSucceedsWhileTheUserHasNoMutations) {
  SyncApi api(server_, "alice");
  auto r = api.push(-1, kBookmark);
  ASSERT_EQ(r.status, 200) << r.body;
  // Once there are mutations, -1 is just a stale head.
  auto again = api.push(-1, kBookmark);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json().at("error").at("message").as_string(),
            "Invalid lastMutationAt, please re-sync your data and try again.");
}

TEST_F(SyncBasicsTest, WrongHeadForANewUserIsTheFirstSyncConflict) {
  SyncApi api(server_, "alice");
  auto r = api.push(api.head() - 5, kBookmark);
  ASSERT_EQ(r.status, 409);
  const auto body = r.json();
  EXPECT_EQ(body.at("success").as_bool(), false);
  EXPECT_EQ(body.at("error").at("code").as_string(), "OutOfSyncError");
  EXPECT_EQ(body.at("error").at("message").as_string(),
            "First sync detected. Please use lastMutationAt=-1 for initial sync.");
}

TEST_F(SyncBasicsTest, StaleOrFutureHeadIsOutOfSyncAndChangesNothing) {
  SyncApi api(server_, "alice");
  api.push_ok(kBookmark);
  const auto head = api.head();
  for (std::int64_t wrong : {head - 1, head + 1, std::int64_t{0}}) {
    auto r = api.push(wrong, kBookmark);
    ASSERT_EQ(r.status, 409) << wrong;
    EXPECT_EQ(r.json().at("error").at("message").as_string(),
              "Invalid lastMutationAt, please re-sync your data and try again.");
  }
  EXPECT_EQ(api.head(), head);
}

TEST_F(SyncBasicsTest, AcksFollowRequestOrderWithStrictlyIncreasingTimestamps) {
  SyncApi api(server_, "alice");
  const auto head = api.head();
  auto r = api.push(head, R"([
    {"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":3,"mushafId":4}},
    {"resource":"COLLECTION","type":"CREATE","data":{"name":"Woman in Quran","isDefault":false,"isSystem":false}},
    {"resource":"NOTE","type":"CREATE","data":{"body":"A note body","ranges":["2:255-2:257"]}},
    {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":2,"verseNumber":255}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto data = r.json().at("data").as_object();
  const auto& acks = data.at("mutations").as_array();
  ASSERT_EQ(acks.size(), 4u);
  const char* resources[] = {"BOOKMARK", "COLLECTION", "NOTE", "READING_SESSION"};
  std::int64_t previous = head;
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const auto& a = acks[i].as_object();
    EXPECT_EQ(a.at("type").as_string(), "CREATE");
    EXPECT_EQ(a.at("resource").as_string(), resources[i]);
    EXPECT_FALSE(a.at("resourceId").as_string().empty());
    const auto ts = a.at("timestamp").to_number<std::int64_t>();
    EXPECT_GT(ts, previous);
    previous = ts;
  }
  EXPECT_EQ(data.at("lastMutationAt").to_number<std::int64_t>(), previous);
  EXPECT_EQ(r.header("x-mutation-at"), std::to_string(previous));
  // The ack echoes what was sent (known fields only).
  EXPECT_EQ(acks[0].at("data").at("verseNumber").to_number<int>(), 3);
  EXPECT_FALSE(acks[1].at("data").as_object().contains("isDefault"));
  EXPECT_EQ(acks[2].at("data").at("ranges").as_array().size(), 1u);
  EXPECT_EQ(api.head(), previous);
}

TEST_F(SyncBasicsTest, ChainedPushesUseThePreviousAnswer) {
  SyncApi api(server_, "alice");
  auto head = api.head();
  for (int i = 1; i <= 5; ++i) {
    auto r = api.push(head, R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":)" +
                                std::to_string(i) + "}}]");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto next = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
    EXPECT_GT(next, head);
    head = next;
  }
}

TEST_F(SyncBasicsTest, PullReturnsOneEntryPerResourceWithItsLatestState) {
  SyncApi api(server_, "alice");
  const auto start = api.head();
  auto created = api.push_ok(R"([{"resource":"COLLECTION","type":"CREATE","data":{"name":"First"}}])");
  const std::string id(created.at("mutations").at(0).at("resourceId").as_string());
  api.push_ok(R"([{"resource":"COLLECTION","type":"UPDATE","resourceId":")" + id + R"(","data":{"name":"Second"}}])");
  api.push_ok(R"([{"resource":"COLLECTION","type":"UPDATE","resourceId":")" + id + R"(","data":{"name":"Third"}}])");
  auto r = api.pull(start);
  ASSERT_EQ(r.status, 200);
  const auto body = r.json();
  const auto& ms = body.at("data").at("mutations").as_array();
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("data").at("name").as_string(), "Third");
  EXPECT_EQ(ms[0].at("data").at("slug").as_string(), "third");
  // Created after the cursor: the client has never seen it, so it is a CREATE.
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  // Pulled from after the creation, the same resource is an UPDATE.
  const auto created_ts = created.at("mutations").at(0).at("timestamp").to_number<std::int64_t>();
  auto later = api.pull(created_ts);
  EXPECT_EQ(later.json().at("data").at("mutations").at(0).at("type").as_string(), "UPDATE");
}

TEST_F(SyncBasicsTest, MutationsSinceIsExclusiveAndMinusOneMeansEverything) {
  SyncApi api(server_, "alice");
  auto data = api.push_ok(kBookmark);
  const auto ts = data.at("lastMutationAt").to_number<std::int64_t>();
  EXPECT_EQ(api.pull(ts).json().at("data").at("mutations").as_array().size(), 0u);
  EXPECT_EQ(api.pull(ts - 1).json().at("data").at("mutations").as_array().size(), 1u);
  EXPECT_EQ(api.pull(-1).json().at("data").at("mutations").as_array().size(), 1u);
}

TEST_F(SyncBasicsTest, PullEntriesAscendByTimestamp) {
  SyncApi api(server_, "alice");
  for (int i = 1; i <= 4; ++i) {
    api.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":3,"verseNumber":)" + std::to_string(i) + "}}]");
  }
  const auto body = api.pull(0).json();
  const auto& ms = body.at("data").at("mutations").as_array();
  ASSERT_EQ(ms.size(), 4u);
  for (std::size_t i = 1; i < ms.size(); ++i) {
    EXPECT_LT(ms[i - 1].at("timestamp").to_number<std::int64_t>(), ms[i].at("timestamp").to_number<std::int64_t>());
  }
}

TEST_F(SyncBasicsTest, MetadataOnlyReturnsExactlyTheHead) {
  SyncApi api(server_, "alice");
  api.push_ok(kBookmark);
  auto r = api.client().get("/v1/sync?mutationsSince=0&metadataOnly=true", api.headers());
  ASSERT_EQ(r.status, 200);
  const auto data = r.json().at("data").as_object();
  EXPECT_EQ(data.size(), 1u);
  EXPECT_EQ(r.header("x-mutation-at"), std::to_string(data.at("lastMutationAt").to_number<std::int64_t>()));
}

TEST_F(SyncBasicsTest, UsersNeverSeeEachOthersData) {
  SyncApi alice(server_, "alice");
  SyncApi bob(server_, "bob");
  alice.push_ok(kBookmark);
  auto r = bob.pull(0);
  EXPECT_EQ(r.json().at("data").at("mutations").as_array().size(), 0u);
  EXPECT_NE(alice.head(), 0);
  // Bob's head is his own: he can push at it regardless of Alice.
  EXPECT_EQ(bob.push(bob.head(), kBookmark).status, 200);
}

TEST_F(SyncBasicsTest, DeleteIsPulledAsATombstone) {
  SyncApi api(server_, "alice");
  auto created = api.push_ok(R"([{"resource":"NOTE","type":"CREATE","data":{"body":"to be deleted","ranges":["1:1-1:7"]}}])");
  const std::string id(created.at("mutations").at(0).at("resourceId").as_string());
  const auto after_create = created.at("lastMutationAt").to_number<std::int64_t>();
  api.push_ok(R"([{"resource":"NOTE","type":"DELETE","resourceId":")" + id + R"("}])");
  const auto body = api.pull(after_create).json();
  const auto& ms = body.at("data").at("mutations").as_array();
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), id);
  EXPECT_TRUE(ms[0].at("data").as_object().empty());
}

}  // namespace
}  // namespace synclog::test
