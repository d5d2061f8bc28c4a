// The direct reading-session endpoints against the real binary (contract sections 2.5 and 3,
// A5): POST /v1/reading-sessions updates the latest session while it is under 20 minutes old
// and otherwise creates one (the older-than-20-minutes side needs a clock the test controls:
// tests/unit/domain/direct_writes_test.cpp), GET /v1/reading-sessions lists the most recent
// first. Exact answers, validation, scopes, X-Mutation-At and pulls.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "direct_helpers.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace direct;

const std::set<std::string> kSessionKeys = {"id", "updatedAt", "chapterNumber", "verseNumber"};

class DirectReadingSessionsTest : public ::testing::Test {
 protected:
  json::object list(const std::string& query = "") { return api_.ok(api_.get("/v1/reading-sessions" + query)); }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

TEST_F(DirectReadingSessionsTest, FirstPostCreatesASession) {
  const auto before = sync_.head();
  auto r = api_.post("/v1/reading-sessions", R"({"chapterNumber":18,"verseNumber":10})");
  expect_message(r, "reading session created");
  const auto at = expect_versioned_write(r, before, sync_);

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("resource").as_string(), "READING_SESSION");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(num(ms[0].at("data").at("chapterNumber")), 18);
  EXPECT_EQ(num(ms[0].at("data").at("verseNumber")), 10);
  EXPECT_EQ(num(ms[0].at("timestamp")), at);

  const auto sessions = list();
  ASSERT_EQ(sessions.at("data").as_array().size(), 1u);
  const auto& s = sessions.at("data").at(0);
  EXPECT_EQ(keys_of(s), kSessionKeys);
  EXPECT_EQ(s.at("id"), ms[0].at("resourceId"));
  EXPECT_EQ(str(s.at("updatedAt")), iso_utc(at));
}

TEST_F(DirectReadingSessionsTest, PostWithinTwentyMinutesUpdatesTheLatestSession) {
  auto first = api_.post("/v1/reading-sessions", R"({"chapterNumber":2,"verseNumber":1})");
  expect_message(first, "reading session created");
  auto second = api_.post("/v1/reading-sessions", R"({"chapterNumber":2,"verseNumber":20})");
  expect_message(second, "reading session updated");
  EXPECT_GT(mutation_at(second), mutation_at(first));
  EXPECT_EQ(sync_.head(), mutation_at(second));
  EXPECT_EQ(etag_version(second), mutation_at(second));

  const auto sessions = list();
  ASSERT_EQ(sessions.at("data").as_array().size(), 1u);
  EXPECT_EQ(num(sessions.at("data").at(0).at("verseNumber")), 20);

  const auto since_first = pulls::pulled(sync_, mutation_at(first));
  ASSERT_EQ(since_first.size(), 1u);
  EXPECT_EQ(since_first[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(num(since_first[0].at("data").at("verseNumber")), 20);
  EXPECT_EQ(pulls::entries_of(pulls::pulled(sync_, 0), "READING_SESSION").size(), 1u);
}

TEST_F(DirectReadingSessionsTest, ARecentSessionFromAnotherDeviceIsTheOneUpdated) {
  // Sync creates sessions unconditionally; the direct POST then continues the newest one.
  auto pushed = sync_.push_ok(R"([{"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1,"verseNumber":1}},
    {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":3,"verseNumber":3}}])");
  const std::string newest = pulls::ack_id(pushed, 1);
  expect_message(api_.post("/v1/reading-sessions", R"({"chapterNumber":3,"verseNumber":4})"),
                 "reading session updated");
  const auto sessions = list();
  ASSERT_EQ(sessions.at("data").as_array().size(), 2u);
  EXPECT_EQ(str(sessions.at("data").at(0).at("id")), newest);
  EXPECT_EQ(num(sessions.at("data").at(0).at("verseNumber")), 4);
  EXPECT_EQ(num(sessions.at("data").at(1).at("chapterNumber")), 1);
}

TEST_F(DirectReadingSessionsTest, PostRejectsBadPositionsAndChangesNothing) {
  const auto head = sync_.head();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "Missing chapterNumber"},
      {R"({"verseNumber":1})", "Missing chapterNumber"},
      {R"({"chapterNumber":1})", "Missing verseNumber"},
      {R"({"chapterNumber":115,"verseNumber":1})", "Invalid chapterNumber: must be a surah number 1-114"},
      {R"({"chapterNumber":0,"verseNumber":1})", "Invalid chapterNumber: must be a surah number 1-114"},
      {R"({"chapterNumber":1,"verseNumber":8})", "Invalid verseNumber: must be an ayah of surah 1 (1-7)"},
      {R"({"chapterNumber":"1","verseNumber":1})", "Invalid chapterNumber: must be an integer"},
      {R"({"chapterNumber":1.5,"verseNumber":1})", "Invalid chapterNumber: must be an integer"},
      {"[]", "The body must be a JSON object"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    expect_422(api_.post("/v1/reading-sessions", body), message);
  }
  expect_error(api_.post("/v1/reading-sessions", "chapter=1"), 400, "invalid_request");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(list().at("data").as_array().empty());
  // Integral doubles are integers (JavaScript cannot tell them apart).
  expect_message(api_.post("/v1/reading-sessions", R"({"chapterNumber":1.0,"verseNumber":7})"),
                 "reading session created");
}

TEST_F(DirectReadingSessionsTest, ListAnswersTheMostRecentFirstWithCursorPages) {
  const auto empty = list();
  EXPECT_EQ(keys_of(empty), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_TRUE(empty.at("data").as_array().empty());

  std::vector<std::string> ids;  // oldest first
  for (int i = 1; i <= 5; ++i) {
    auto pushed = sync_.push_ok(R"([{"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":)" +
                                std::to_string(i) + R"(,"verseNumber":1}}])");
    ids.push_back(pulls::ack_id(pushed, 0));
  }
  // Updating the oldest makes it the most recent.
  sync_.push_ok(R"([{"resource":"READING_SESSION","type":"UPDATE","resourceId":")" + ids[0] +
                R"(","data":{"chapterNumber":1,"verseNumber":2}}])");
  const std::vector<std::string> recent = {ids[0], ids[4], ids[3], ids[2], ids[1]};
  const auto all = list();
  EXPECT_EQ(ids_of(all.at("data")), recent);
  for (const auto& s : all.at("data").as_array()) EXPECT_EQ(keys_of(s), kSessionKeys);

  const auto page1 = list("?first=2");
  EXPECT_EQ(ids_of(page1.at("data")), (std::vector<std::string>{recent[0], recent[1]}));
  EXPECT_EQ(page1.at("pagination").at("hasNextPage"), json::value(true));
  EXPECT_EQ(page1.at("pagination").at("hasPreviousPage"), json::value(false));
  const auto page2 = list("?first=2&after=" + str(page1.at("pagination").at("endCursor")));
  EXPECT_EQ(ids_of(page2.at("data")), (std::vector<std::string>{recent[2], recent[3]}));
  EXPECT_EQ(page2.at("pagination").at("hasPreviousPage"), json::value(true));
  const auto tail = list("?last=2");
  EXPECT_EQ(ids_of(tail.at("data")), (std::vector<std::string>{recent[3], recent[4]}));
  EXPECT_EQ(tail.at("pagination").at("hasNextPage"), json::value(false));
  EXPECT_EQ(tail.at("pagination").at("hasPreviousPage"), json::value(true));
  expect_422(api_.get("/v1/reading-sessions?first=0"), "first must be an integer from 1 to 100");
  expect_422(api_.get("/v1/reading-sessions?after=***"), "after must be a cursor from a previous page's pagination");
}

TEST_F(DirectReadingSessionsTest, ScopesGateEachEndpoint) {
  const std::string body = R"({"chapterNumber":1,"verseNumber":1})";
  DirectApi read(server_, "alice", "reader", "reading_session.read");
  expect_403(read.post("/v1/reading-sessions", body));
  EXPECT_EQ(read.get("/v1/reading-sessions").status, 200);

  // The same call creates or updates: either child scope will do.
  DirectApi create(server_, "alice", "creator", "reading_session.create");
  expect_message(create.post("/v1/reading-sessions", body), "reading session created");
  expect_403(create.get("/v1/reading-sessions"));
  DirectApi update(server_, "alice", "updater", "reading_session.update");
  expect_message(update.post("/v1/reading-sessions", body), "reading session updated");

  DirectApi others(server_, "alice", "others", "sync bookmark collection note preference");
  expect_403(others.post("/v1/reading-sessions", body));
  expect_403(others.get("/v1/reading-sessions"));
  EXPECT_EQ(server_.client().get("/v1/reading-sessions").status, 401);
}

TEST_F(DirectReadingSessionsTest, EachUserHasTheirOwnLatestSession) {
  expect_message(api_.post("/v1/reading-sessions", R"({"chapterNumber":1,"verseNumber":1})"),
                 "reading session created");
  DirectApi bob(server_, "bob");
  expect_message(bob.post("/v1/reading-sessions", R"({"chapterNumber":2,"verseNumber":2})"),
                 "reading session created");
  EXPECT_EQ(list().at("data").as_array().size(), 1u);
  EXPECT_EQ(num(list().at("data").at(0).at("chapterNumber")), 1);
}

}  // namespace
}  // namespace synclog::test
