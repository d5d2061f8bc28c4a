// GET /v1/sync paging against the real binary: offset pages (page/limit/total/hasMore, one head
// per read), a traversal that other devices write into, cursor paging, and the capped shape the
// official mobile engine uses (SPEC section 2 "Pages" and "GET with neither page nor limit",
// contract 1.1, ambiguities A7 and A8).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace pulls;

// The i-th ayah (0-based) counted from 2:1 onwards, across surahs 2-9 (1357 ayahs).
std::pair<int, int> nth_ayah(int i) {
  constexpr int kCounts[] = {286, 200, 176, 120, 165, 206, 75, 129};
  int surah = 2;
  for (int count : kCounts) {
    if (i < count) return {surah, i + 1};
    i -= count;
    ++surah;
  }
  ADD_FAILURE() << "ran out of ayahs";
  return {1, 1};
}

std::string ayah_create(int i) {
  const auto [surah, ayah] = nth_ayah(i);
  return R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":)" + std::to_string(surah) +
         R"(,"verseNumber":)" + std::to_string(ayah) + "}}";
}

// Creates the ayah bookmarks number first..first+n-1 (see nth_ayah) in batches of 100; returns
// their ids in creation (and so timestamp) order.
std::vector<std::string> create_bookmarks(SyncApi& api, int first, int n) {
  std::vector<std::string> ids;
  for (int done = 0; done < n;) {
    const int batch = std::min(100, n - done);
    std::string items = "[";
    for (int k = 0; k < batch; ++k) {
      if (k) items += ",";
      items += ayah_create(first + done + k);
    }
    auto data = api.push_ok(items + "]");
    if (!data.contains("mutations")) return ids;
    for (int k = 0; k < batch; ++k) ids.push_back(ack_id(data, static_cast<std::size_t>(k)));
    done += batch;
  }
  return ids;
}

// One GET /v1/sync answer.
struct Page {
  json::array mutations;
  std::int64_t page = 0, limit = 0, total = 0, last_mutation_at = 0;
  bool has_more = false;
  std::string x_mutation_at;
  std::size_t body_size = 0;
};

Page read_page(SyncApi& api, std::int64_t since, const std::string& extra) {
  auto r = api.pull(since, extra);
  EXPECT_EQ(r.status, 200) << r.body;
  Page p;
  if (r.status != 200) return p;
  const auto body = r.json();
  const auto& d = body.at("data").as_object();
  EXPECT_EQ(keys_of(d), (std::set<std::string>{"mutations", "page", "limit", "total", "hasMore",
                                                "lastMutationAt"}));
  p.mutations = d.at("mutations").as_array();
  p.page = num(d.at("page"));
  p.limit = num(d.at("limit"));
  p.total = num(d.at("total"));
  p.has_more = d.at("hasMore").as_bool();
  p.last_mutation_at = num(d.at("lastMutationAt"));
  p.x_mutation_at = r.header("x-mutation-at");
  p.body_size = r.body.size();
  return p;
}

std::vector<std::string> ids_of(const json::array& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(str(m.at("resourceId")));
  return out;
}

std::vector<std::string> slice(const std::vector<std::string>& v, std::size_t from, std::size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(from),
          v.begin() + static_cast<std::ptrdiff_t>(std::min(v.size(), from + n))};
}

// Fails unless the timestamps of `ms` strictly increase, all above `after`; returns the last.
std::int64_t expect_ascending(const json::array& ms, std::int64_t after) {
  for (const auto& m : ms) {
    const auto ts = num(m.at("timestamp"));
    EXPECT_GT(ts, after) << json::serialize(m);
    after = ts;
  }
  return after;
}

std::string update_mushaf(const std::string& id) {
  return R"({"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + id + R"(","data":{"mushafId":4}})";
}
std::string delete_bookmark(const std::string& id) {
  return R"({"resource":"BOOKMARK","type":"DELETE","resourceId":")" + id + R"("})";
}

// Each test pulls many times in a row; the per-user rate limit is not what is under test.
std::vector<std::string> server_args(std::vector<std::string> more = {}) {
  std::vector<std::string> args{"--rate-limit", "0"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

class PagingTest : public ::testing::Test {
 protected:
  ServerProcess server_{server_args()};
  SyncApi api_{server_, "alice", "phone"};
};

// ---- offset pages ----

TEST_F(PagingTest, EveryPageEchoesPageAndLimitWithTotalHasMoreAndOneHead) {
  const auto ids = create_bookmarks(api_, 0, 250);
  ASSERT_EQ(ids.size(), 250u);
  const auto head = api_.head();
  for (std::int64_t limit : {100, 7, 250, 1000}) {
    SCOPED_TRACE("limit=" + std::to_string(limit));
    std::vector<std::string> seen;
    std::int64_t last_ts = 0;
    std::int64_t page = 1;
    for (;; ++page) {
      ASSERT_LT(page, 100);
      auto p = read_page(api_, 0, "&page=" + std::to_string(page) + "&limit=" + std::to_string(limit));
      EXPECT_EQ(p.page, page);
      EXPECT_EQ(p.limit, limit);
      EXPECT_EQ(p.total, 250);
      EXPECT_EQ(p.has_more, page * limit < p.total);
      EXPECT_EQ(p.last_mutation_at, head);
      EXPECT_EQ(p.x_mutation_at, std::to_string(head));
      EXPECT_EQ(static_cast<std::int64_t>(p.mutations.size()),
                std::min<std::int64_t>(limit, 250 - (page - 1) * limit));
      last_ts = expect_ascending(p.mutations, last_ts);
      for (auto& id : ids_of(p.mutations)) seen.push_back(std::move(id));
      if (!p.has_more) break;
    }
    EXPECT_EQ(page, (250 + limit - 1) / limit);
    EXPECT_EQ(seen, ids);  // every entry once, in timestamp order
  }
}

TEST_F(PagingTest, LimitDefaultsTo100WhenOnlyPageIsGivenAndPageTo1WhenOnlyLimitIs) {
  const auto ids = create_bookmarks(api_, 0, 250);
  auto p2 = read_page(api_, 0, "&page=2");
  EXPECT_EQ(p2.page, 2);
  EXPECT_EQ(p2.limit, 100);
  EXPECT_TRUE(p2.has_more);
  EXPECT_EQ(ids_of(p2.mutations), slice(ids, 100, 100));
  auto p3 = read_page(api_, 0, "&page=3");
  EXPECT_EQ(p3.limit, 100);
  EXPECT_FALSE(p3.has_more);
  EXPECT_EQ(ids_of(p3.mutations), slice(ids, 200, 100));
  auto first = read_page(api_, 0, "&limit=10");
  EXPECT_EQ(first.page, 1);
  EXPECT_EQ(first.limit, 10);
  EXPECT_TRUE(first.has_more);
  EXPECT_EQ(ids_of(first.mutations), slice(ids, 0, 10));
}

TEST_F(PagingTest, PagePastTheEndIsEmptyWithoutMore) {
  create_bookmarks(api_, 0, 250);
  const auto head = api_.head();
  for (const char* extra : {"&page=4&limit=100", "&page=1000&limit=100", "&page=2&limit=1000"}) {
    SCOPED_TRACE(extra);
    auto p = read_page(api_, 0, extra);
    EXPECT_TRUE(p.mutations.empty());
    EXPECT_FALSE(p.has_more);
    EXPECT_EQ(p.total, 250);
    EXPECT_EQ(p.last_mutation_at, head);
  }
  // Exactly at the end: the last page is full and says there is no more.
  auto last = read_page(api_, 0, "&page=5&limit=50");
  EXPECT_EQ(last.mutations.size(), 50u);
  EXPECT_FALSE(last.has_more);
}

TEST_F(PagingTest, ResourcesFilterNarrowsEntriesAndTotalButNotTheHead) {
  api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"c1"}},
      {"resource":"NOTE","type":"CREATE","data":{"body":"first note","ranges":["1:1-1:2"]}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1}},
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"c2"}},
      {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1,"verseNumber":1}},
      {"resource":"NOTE","type":"CREATE","data":{"body":"second note","ranges":["1:3-1:4"]}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":2}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":3}}])");
  const auto head = api_.head();
  struct Case {
    const char* resources;
    std::set<std::string> expected;
    std::int64_t count;
  };
  const Case cases[] = {
      {"NOTE", {"NOTE"}, 2},
      {"BOOKMARK,COLLECTION", {"BOOKMARK", "COLLECTION"}, 5},
      {"READING_SESSION", {"READING_SESSION"}, 1},
      {"COLLECTION_BOOKMARK", {}, 0},
  };
  for (const auto& c : cases) {
    for (const char* shape : {"&page=1&limit=2", ""}) {
      SCOPED_TRACE(std::string(c.resources) + shape);
      auto p = read_page(api_, 0, std::string("&resources=") + c.resources + shape);
      EXPECT_EQ(p.total, c.count);
      EXPECT_EQ(p.last_mutation_at, head);
      std::set<std::string> kinds;
      for (const auto& m : p.mutations) kinds.insert(str(m.at("resource")));
      if (c.count > 0) {
        EXPECT_EQ(kinds, c.expected);
      } else {
        EXPECT_TRUE(kinds.empty());
      }
    }
  }
}

// The scenario SPEC section 2 singles out: a client reads page 1, another device then changes
// resources the client has already read (moving them to the end of the order) and creates new
// ones, and the client goes on with pages 2, 3, ... Nothing unread may shift out of reach, and
// what the client ends up with is every resource's latest state.
TEST_F(PagingTest, AClientPagingWhileAnotherDeviceWritesMissesNothing) {
  const auto ids = create_bookmarks(api_, 0, 250);
  ASSERT_EQ(ids.size(), 250u);
  SyncApi reader(server_, "alice", "tablet");

  auto p1 = read_page(reader, 0, "&page=1&limit=100");
  ASSERT_EQ(ids_of(p1.mutations), slice(ids, 0, 100));
  ASSERT_TRUE(p1.has_more);
  json::array traversal = p1.mutations;

  // The other device: updates ten resources already read, makes one of them the reading
  // bookmark, deletes one read and two unread ones, and creates thirty more.
  std::string items = "[";
  for (std::size_t i = 0; i < 10; ++i) items += update_mushaf(ids[i]) + ",";
  items += R"({"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + ids[5] + R"(","data":{"isReading":true}},)";
  items += delete_bookmark(ids[20]) + "," + delete_bookmark(ids[150]) + "," + delete_bookmark(ids[151]) + "]";
  api_.push_ok(items);
  const auto more = create_bookmarks(api_, 250, 30);
  ASSERT_EQ(more.size(), 30u);
  const auto head = api_.head();

  std::int64_t page = 2;
  for (;; ++page) {
    ASSERT_LT(page, 20);
    auto p = read_page(reader, 0, "&page=" + std::to_string(page) + "&limit=100");
    EXPECT_EQ(p.last_mutation_at, head);
    EXPECT_EQ(p.has_more, page * 100 < p.total);
    if (page == 2) {
      // Exactly the entries that followed page 1 when it was read: nothing shifted.
      EXPECT_EQ(ids_of(p.mutations), slice(ids, 100, 100));
    }
    for (const auto& m : p.mutations) traversal.push_back(m);
    if (!p.has_more) break;
  }
  expect_ascending(traversal, 0);

  // What the client now holds: the last entry it saw for each resource.
  std::map<std::string, json::object> held;
  for (const auto& m : traversal) held[str(m.at("resourceId"))] = m.as_object();
  // The truth, as a fresh device pulls it.
  const auto truth = pulled(reader, 0);
  ASSERT_EQ(truth.size(), 280u);
  EXPECT_EQ(held.size(), truth.size());
  for (const auto& t : truth) {
    const std::string id = str(t.at("resourceId"));
    auto it = held.find(id);
    ASSERT_NE(it, held.end()) << "never saw " << id;
    EXPECT_EQ(json::value(it->second), t) << id;
  }

  // The resources changed after they were read came again, later, with their new data.
  for (std::size_t i = 0; i < 10; ++i) {
    const auto seen = entries_for(traversal, "BOOKMARK", ids[i]);
    ASSERT_GE(seen.size(), 2u) << ids[i];
    EXPECT_EQ(num(seen.back().at("data").at("mushaf")), 4);
    EXPECT_EQ(seen.back().at("data").at("isReading"), json::value(i == 5));
    EXPECT_FALSE(seen.front().at("data").as_object().contains("mushaf"));
  }
  EXPECT_EQ(entries_for(traversal, "BOOKMARK", ids[20]).back().at("type").as_string(), "DELETE");
  EXPECT_EQ(entries_for(traversal, "BOOKMARK", ids[150]).back().at("type").as_string(), "DELETE");
}

// The same, with compaction running while the traversal is open: entries the traversal counted
// must keep their places even once they are old enough to be purged. Bob's history (superseded
// entries written after Alice's) shows when a compaction pass has run.
TEST(PagingCompactionTest, AnOpenTraversalKeepsItsPlacesThroughCompaction) {
  ServerProcess server(server_args({"--compact-after", "1s"}));
  SyncApi alice(server, "alice", "phone");
  SyncApi bob(server, "bob", "phone");
  const auto ids = create_bookmarks(alice, 0, 250);
  ASSERT_EQ(ids.size(), 250u);
  SyncApi reader(server, "alice", "tablet");
  auto p1 = read_page(reader, 0, "&page=1&limit=100");
  ASSERT_EQ(ids_of(p1.mutations), slice(ids, 0, 100));

  std::string items = "[";
  for (std::size_t i = 0; i < 20; ++i) items += (i ? "," : "") + update_mushaf(ids[i]);
  alice.push_ok(items + "]");
  const auto bob_ids = create_bookmarks(bob, 0, 3);
  ASSERT_EQ(bob_ids.size(), 3u);
  bob.push_ok("[" + update_mushaf(bob_ids[0]) + "]");

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool compacted = false;
  while (!compacted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    compacted = read_page(bob, 0, "&page=1&limit=1000").mutations.size() == 3;
  }
  ASSERT_TRUE(compacted) << "no compaction pass ran";

  auto p2 = read_page(reader, 0, "&page=2&limit=100");
  EXPECT_EQ(ids_of(p2.mutations), slice(ids, 100, 100));
  auto p3 = read_page(reader, 0, "&page=3&limit=100");
  ASSERT_EQ(p3.mutations.size(), 70u);
  const auto p3_ids = ids_of(p3.mutations);
  EXPECT_EQ(slice(p3_ids, 0, 50), slice(ids, 200, 50));
  EXPECT_EQ(slice(p3_ids, 50, 20), slice(ids, 0, 20));  // the new states come last
  for (std::size_t i = 50; i < 70; ++i) EXPECT_EQ(num(p3.mutations[i].at("data").at("mushaf")), 4);
  EXPECT_FALSE(p3.has_more);
}

// ---- cursor paging ----

TEST_F(PagingTest, CursorPagingSeesEveryResourceExactlyOnceInOrder) {
  auto ids = create_bookmarks(api_, 0, 1200);
  ASSERT_EQ(ids.size(), 1200u);
  SyncApi reader(server_, "alice", "tablet");

  std::vector<std::string> seen;
  std::int64_t cursor = 0;
  for (int round = 0;; ++round) {
    ASSERT_LT(round, 10);
    auto p = read_page(reader, cursor, "&limit=1000&page=1");
    EXPECT_EQ(p.has_more, 1000 < p.total);
    cursor = expect_ascending(p.mutations, cursor);
    for (auto& id : ids_of(p.mutations)) seen.push_back(std::move(id));
    if (round == 0) {
      EXPECT_EQ(p.mutations.size(), 1000u);
      // Another device writes between the reader's pages.
      const auto more = create_bookmarks(api_, 1200, 50);
      ids.insert(ids.end(), more.begin(), more.end());
    }
    if (!p.has_more) break;
  }
  EXPECT_EQ(seen, ids);
  auto rest = read_page(reader, cursor, "&limit=1000&page=1");
  EXPECT_TRUE(rest.mutations.empty());
  EXPECT_EQ(rest.last_mutation_at, api_.head());
}

// ---- capped mode (neither page nor limit) ----

class CappedPullTest : public ::testing::Test {
 protected:
  ServerProcess server_{server_args({"--pull-cap", "50"})};
  SyncApi api_{server_, "alice", "phone"};
};

TEST_F(CappedPullTest, IsCutAtTheCapAndResumesExactlyFromTheReturnedHead) {
  const auto ids = create_bookmarks(api_, 0, 120);
  ASSERT_EQ(ids.size(), 120u);
  const auto head = api_.head();

  auto first = read_page(api_, 0, "");
  EXPECT_EQ(ids_of(first.mutations), slice(ids, 0, 50));
  EXPECT_EQ(first.page, 1);
  EXPECT_EQ(first.limit, 50);
  EXPECT_EQ(first.total, 120);
  EXPECT_TRUE(first.has_more);
  ASSERT_EQ(first.mutations.size(), 50u);
  const auto fiftieth = num(first.mutations.back().at("timestamp"));
  EXPECT_EQ(first.last_mutation_at, fiftieth);
  EXPECT_EQ(first.x_mutation_at, std::to_string(fiftieth));

  auto second = read_page(api_, first.last_mutation_at, "");
  EXPECT_EQ(ids_of(second.mutations), slice(ids, 50, 50));
  EXPECT_TRUE(second.has_more);
  EXPECT_EQ(second.total, 70);
  ASSERT_FALSE(second.mutations.empty());
  EXPECT_GT(num(second.mutations.front().at("timestamp")), fiftieth);
  EXPECT_EQ(second.last_mutation_at, num(second.mutations.back().at("timestamp")));

  auto third = read_page(api_, second.last_mutation_at, "");
  EXPECT_EQ(ids_of(third.mutations), slice(ids, 100, 50));
  EXPECT_FALSE(third.has_more);
  EXPECT_EQ(third.last_mutation_at, head);
  EXPECT_EQ(third.x_mutation_at, std::to_string(head));

  auto done = read_page(api_, third.last_mutation_at, "");
  EXPECT_TRUE(done.mutations.empty());
  EXPECT_FALSE(done.has_more);
  EXPECT_EQ(done.last_mutation_at, head);
}

TEST(CappedPullBytesTest, IsCutBySizeTooAndSaysSoInLimit) {
  // Long notes: the answer stops at --pull-max-bytes the way it stops at the cap, so one user's
  // data cannot make one answer unboundedly large.
  ServerProcess server(server_args({"--pull-max-bytes", "16KiB"}));
  SyncApi api(server, "alice", "phone");
  const std::string body(3000, 'n');
  std::string batch = "[";
  for (int i = 0; i < 20; ++i) {
    if (i) batch += ',';
    batch += R"({"resource":"NOTE","type":"CREATE","data":{"body":")" + body + R"(","ranges":["1:1-1:7"]}})";
  }
  api.push_ok(batch + "]");
  const auto head = api.head();

  std::set<std::string> seen;
  std::int64_t cursor = 0;
  int answers = 0;
  for (;; ++answers) {
    ASSERT_LT(answers, 20);
    auto p = read_page(api, cursor, "");
    EXPECT_LE(p.body_size, 16u * 1024 + 4096);  // the budget, plus the entry that crossed it
    if (p.has_more) {
      EXPECT_EQ(p.limit, static_cast<std::int64_t>(p.mutations.size()));
    }
    EXPECT_EQ(p.has_more, p.page * p.limit < p.total);
    for (const auto& id : ids_of(p.mutations)) EXPECT_TRUE(seen.insert(id).second) << id;
    if (!p.has_more) {
      EXPECT_EQ(p.last_mutation_at, head);
      break;
    }
    EXPECT_EQ(p.last_mutation_at, num(p.mutations.back().at("timestamp")));
    cursor = p.last_mutation_at;
  }
  EXPECT_GT(answers, 1);
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(CappedPullTest, APushAtACappedHeadIsOutOfSyncUntilTheClientHasPulledEverything) {
  create_bookmarks(api_, 0, 120);
  const auto head = api_.head();
  auto cut = read_page(api_, 0, "");
  ASSERT_TRUE(cut.has_more);
  ASSERT_LT(cut.last_mutation_at, head);

  const std::string item = "[" + ayah_create(500) + "]";
  auto r = api_.push(cut.last_mutation_at, item);
  ASSERT_EQ(r.status, 409) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body.at("error").at("code").as_string(), "OutOfSyncError");
  EXPECT_EQ(body.at("error").at("message").as_string(),
            "Invalid lastMutationAt, please re-sync your data and try again.");
  EXPECT_EQ(api_.head(), head);

  // The mobile engine's recovery: pull on from its cursor until hasMore is false, then push.
  auto cursor = cut.last_mutation_at;
  for (int round = 0;; ++round) {
    ASSERT_LT(round, 10);
    auto p = read_page(api_, cursor, "");
    cursor = p.last_mutation_at;
    if (!p.has_more) break;
  }
  EXPECT_EQ(cursor, head);
  EXPECT_EQ(api_.push(cursor, item).status, 200);
}

TEST_F(CappedPullTest, ReturnsOnlyTheLatestStateWhilePagedReadsKeepRecentSupersededEntries) {
  const auto ids = create_bookmarks(api_, 0, 10);
  ASSERT_EQ(ids.size(), 10u);
  std::string items = "[";
  for (std::size_t i = 0; i < 5; ++i) items += update_mushaf(ids[i]) + ",";
  items += delete_bookmark(ids[8]) + "," + delete_bookmark(ids[9]) + "]";
  api_.push_ok(items);

  auto capped = read_page(api_, 0, "");
  EXPECT_EQ(capped.total, 10);
  ASSERT_EQ(capped.mutations.size(), 10u);
  std::map<std::string, json::object> latest;
  for (const auto& m : capped.mutations) {
    EXPECT_TRUE(latest.emplace(str(m.at("resourceId")), m.as_object()).second)
        << "twice: " << json::serialize(m);
  }
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(num(latest.at(ids[i]).at("data").at("mushaf")), 4);
  EXPECT_EQ(latest.at(ids[8]).at("type").as_string(), "DELETE");
  EXPECT_EQ(latest.at(ids[9]).at("type").as_string(), "DELETE");
  expect_ascending(capped.mutations, 0);

  // Written a moment ago, the older states are still in the paged order: every latest state is
  // there, and every other entry is an older state of a resource that comes again later.
  auto paged = read_page(api_, 0, "&page=1&limit=1000");
  EXPECT_EQ(paged.total, 17);
  EXPECT_EQ(paged.mutations.size(), 17u);
  expect_ascending(paged.mutations, 0);
  for (std::size_t i = 0; i < paged.mutations.size(); ++i) {
    const auto& m = paged.mutations[i].as_object();
    const std::string id = str(m.at("resourceId"));
    if (json::value(latest.at(id)) == paged.mutations[i]) continue;
    bool again = false;
    for (std::size_t j = i + 1; j < paged.mutations.size(); ++j) {
      again = again || paged.mutations[j].at("resourceId").as_string() == id;
    }
    EXPECT_TRUE(again) << "stale entry with no newer one: " << json::serialize(m);
  }
  for (const auto& [id, entry] : latest) {
    EXPECT_EQ(entries_for(paged.mutations, "BOOKMARK", id).back(), entry) << id;
  }
}

// Superseded entries are purged once they are old and no paged traversal is in progress; the
// paged view then shows only latest states too. Compaction runs on the store's maintenance
// timer, so this waits for it (with a generous bound: it is not a timing test).
TEST(PagingCompactionTest, PagedReadsStopShowingSupersededEntriesOnceTheyAreOld) {
  ServerProcess server(server_args({"--compact-after", "1s", "--traversal-quiet", "1s"}));
  SyncApi api(server, "alice", "phone");
  const auto ids = create_bookmarks(api, 0, 6);
  ASSERT_EQ(ids.size(), 6u);
  api.push_ok("[" + update_mushaf(ids[0]) + "," + update_mushaf(ids[1]) + "," + delete_bookmark(ids[2]) + "]");
  const auto capped = pulled(api, 0);
  ASSERT_EQ(capped.size(), 6u);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  json::array paged;
  while (std::chrono::steady_clock::now() < deadline) {
    paged = read_page(api, 0, "&page=1&limit=1000").mutations;
    if (paged.size() == capped.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(paged, capped) << "superseded entries were never purged";
}

}  // namespace
}  // namespace synclog::test
