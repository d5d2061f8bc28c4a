// The direct bookmark endpoints against the real binary (contract section 3, docs/openapi.json):
// POST /v1/bookmarks (add or update by details), GET /v1/bookmarks, /v1/bookmarks/bookmark,
// /v1/bookmarks/collections, /v1/bookmarks/ayahs-range and DELETE /v1/bookmarks/{id} (orphans
// only): exact answers, generic 422/400/404 errors, scopes, and what another device pulls.
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

const std::set<std::string> kBookmarkKeys = {"id",   "createdAt", "type", "key", "verseNumber", "group",
                                             "isInDefaultCollection", "isReading", "collectionsCount"};
const std::set<std::string> kRawBookmarkKeys = {"id",  "createdAt", "bookmarkType", "key", "verseNumber",
                                                "bookmarkGroup", "isInDefaultCollection", "isReading"};
const std::set<std::string> kPaginationKeys = {"startCursor", "endCursor", "hasNextPage", "hasPreviousPage"};

class DirectBookmarksTest : public ::testing::Test {
 protected:
  // GET /v1/bookmarks/bookmark for these query parameters: its data, or null when 404.
  json::value find(const std::string& query) {
    auto r = api_.get("/v1/bookmarks/bookmark?" + query);
    if (r.status == 404) return nullptr;
    return api_.data(r);
  }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

// ---- POST /v1/bookmarks ----

TEST_F(DirectBookmarksTest, PostCreatesAnAyahBookmarkAndAnswersItsExactShape) {
  const auto before = sync_.head();
  auto r = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"mushafId":4})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  const json::value b = body.at("data");
  EXPECT_EQ(keys_of(b), kBookmarkKeys) << r.body;
  EXPECT_FALSE(b.at("id").as_string().empty());
  EXPECT_EQ(b.at("type").as_string(), "ayah");
  EXPECT_EQ(num(b.at("key")), 2);
  EXPECT_EQ(num(b.at("verseNumber")), 255);
  EXPECT_EQ(b.at("group").as_string(), "verses_6236");
  EXPECT_EQ(b.at("isInDefaultCollection"), json::value(false));
  EXPECT_EQ(b.at("isReading"), json::value(false));
  EXPECT_EQ(num(b.at("collectionsCount")), 0);

  const auto at = expect_versioned_write(r, before, sync_);
  EXPECT_EQ(str(b.at("createdAt")), iso_utc(at));
}

TEST_F(DirectBookmarksTest, PostWithMatchingDetailsUpdatesTheSameBookmark) {
  auto first = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255})");
  const auto created = api_.data(first);
  // Ayah bookmarks are the same in every mushaf: the alias and another mushaf name the same one.
  auto second = api_.post("/v1/bookmarks", R"({"type":"ayah","key":2,"verseNumber":255,"mushaf":1,"isReading":true})");
  const auto updated = api_.data(second);
  ASSERT_TRUE(updated.is_object());
  EXPECT_EQ(updated.at("id"), created.at("id"));
  EXPECT_EQ(updated.at("isReading"), json::value(true));
  EXPECT_EQ(updated.at("createdAt"), created.at("createdAt"));
  EXPECT_GT(etag_version(second), etag_version(first));
  EXPECT_EQ(etag_version(second), mutation_at(second));

  const auto all = pulls::pulled(sync_, 0);
  ASSERT_EQ(pulls::entries_of(all, "BOOKMARK").size(), 1u) << json::serialize(all);
  const auto entry = pulls::only_entry(all, "BOOKMARK", str(created.at("id")));
  EXPECT_EQ(entry.at("data").at("isReading"), json::value(true));
  EXPECT_EQ(num(entry.at("timestamp")), mutation_at(second));
}

TEST_F(DirectBookmarksTest, NonAyahBookmarksHaveANullVerseNumberAndTheirOwnGroup) {
  struct Case {
    std::string body;
    std::string type;
    int key;
    std::string group;
  };
  const std::vector<Case> cases = {
      {R"({"type":"juz","key":30})", "juz", 30, "juzs_30"},
      {R"({"type":"surah","key":18})", "surah", 18, "surahs_114"},
      {R"({"type":"page","key":10,"mushafId":4})", "page", 10, "pages_604"},
      {R"({"type":"page","key":10,"mushafId":3})", "page", 10, "pages_610"},
      {R"({"type":"page","key":548,"mushafId":7})", "page", 548, "pages_548"},
  };
  std::set<std::string> ids;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const auto b = api_.data(api_.post("/v1/bookmarks", c.body));
    ASSERT_TRUE(b.is_object());
    EXPECT_EQ(keys_of(b), kBookmarkKeys);
    EXPECT_EQ(b.at("type").as_string(), c.type);
    EXPECT_EQ(num(b.at("key")), c.key);
    EXPECT_TRUE(b.at("verseNumber").is_null());
    EXPECT_EQ(b.at("group").as_string(), c.group);
    ids.insert(str(b.at("id")));
  }
  // Page 10 of two layouts are two bookmarks.
  EXPECT_EQ(ids.size(), cases.size());
}

TEST_F(DirectBookmarksTest, PostValidationIsAGeneric422NamingTheFieldAndChangesNothing) {
  const auto head = sync_.head();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "Missing key"},
      {R"({"key":115,"verseNumber":1})", "Invalid key: must be a surah number 1-114"},
      {R"({"key":0,"verseNumber":1})", "Invalid key: must be a surah number 1-114"},
      {R"({"key":"2","verseNumber":1})", "Invalid key: must be an integer"},
      {R"({"key":2})", "Missing verseNumber"},
      {R"({"key":2,"verseNumber":287})", "Invalid verseNumber: must be an ayah of surah 2 (1-286)"},
      {R"({"key":1,"verseNumber":8})", "Invalid verseNumber: must be an ayah of surah 1 (1-7)"},
      {R"({"type":"juz","key":31})", "Invalid key: must be a juz number 1-30"},
      {R"({"type":"juz","key":3,"verseNumber":1})", "Invalid verseNumber: is only allowed on ayah bookmarks"},
      {R"({"type":"page","key":605,"mushafId":4})", "Invalid key: must be a page number 1-604 for this mushaf"},
      {R"({"type":"chapter","key":1})", "Invalid type: must be one of ayah, surah, juz, page"},
      {R"({"key":1,"verseNumber":1,"mushafId":8})", "Invalid mushafId: must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19"},
      {R"({"key":1,"verseNumber":1,"mushafId":4,"mushaf":1})", "Invalid mushaf: must equal mushafId when both are sent"},
      {R"({"key":1,"verseNumber":1,"isReading":"yes"})", "Invalid isReading: must be true, false or null"},
      {R"({"key":1,"verseNumber":1,"clientCreatedAt":"yesterday"})",
       "Invalid clientCreatedAt: must be an ISO 8601 date-time with an offset, or epoch milliseconds"},
      {"[1,2]", "The body must be a JSON object"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    expect_422(api_.post("/v1/bookmarks", body), message);
  }
  expect_error(api_.post("/v1/bookmarks", "{not json"), 400, "invalid_request");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(pulls::pulled(sync_, 0).empty());
}

TEST_F(DirectBookmarksTest, ClientTimesArePulledButNeverAnswered) {
  auto r = api_.post("/v1/bookmarks",
                     R"({"key":3,"verseNumber":7,"clientCreatedAt":"2024-01-01T02:00:00+02:00","clientUpdatedAt":1704067200000})");
  const auto b = api_.data(r);
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(keys_of(b), kBookmarkKeys);  // the upstream schema allows no extra properties (A21)
  const auto entry = pulls::only_entry(pulls::pulled(sync_, 0), "BOOKMARK", str(b.at("id")));
  EXPECT_EQ(entry.at("data").at("clientCreatedAt").as_string(), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(entry.at("data").at("clientUpdatedAt").as_string(), "2024-01-01T00:00:00.000Z");
}

TEST_F(DirectBookmarksTest, IsReadingMovesToTheLatestReadingBookmark) {
  const std::string first = api_.bookmark(R"("key":1,"verseNumber":1,"isReading":true)");
  const std::string second = api_.bookmark(R"("key":1,"verseNumber":2,"isReading":true)");
  const auto reading = find("isReading=true");
  ASSERT_TRUE(reading.is_object());
  EXPECT_EQ(str(reading.at("id")), second);
  EXPECT_EQ(find("key=1&verseNumber=1").at("isReading"), json::value(false));

  const auto all = pulls::pulled(sync_, 0);
  EXPECT_EQ(pulls::only_entry(all, "BOOKMARK", first).at("data").at("isReading"), json::value(false));
  EXPECT_EQ(pulls::only_entry(all, "BOOKMARK", second).at("data").at("isReading"), json::value(true));

  // isReading false (or null) clears it: then there is no reading bookmark.
  api_.ok(api_.post("/v1/bookmarks", R"({"key":1,"verseNumber":2,"isReading":null})"));
  expect_404(api_.get("/v1/bookmarks/bookmark?isReading=true"), "Reading bookmark not found");
}

// ---- GET /v1/bookmarks/bookmark ----

TEST_F(DirectBookmarksTest, GetOneByDetailsAnswersTheBookmarkWithItsVersion) {
  auto created = api_.post("/v1/bookmarks", R"({"type":"page","key":10,"mushafId":3})");
  api_.ok(created);
  auto r = api_.get("/v1/bookmarks/bookmark?type=page&key=10&mushafId=3");
  const auto b = api_.data(r);
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(keys_of(b), kBookmarkKeys);
  EXPECT_EQ(b.at("group").as_string(), "pages_610");
  EXPECT_EQ(r.header("etag"), created.header("etag"));
  EXPECT_EQ(r.header("x-modified-by"), "test-device");
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  // The alias names the same layout; another layout's page 10 is another bookmark.
  EXPECT_TRUE(find("type=page&key=10&mushaf=6").is_object());
  expect_404(api_.get("/v1/bookmarks/bookmark?type=page&key=10&mushafId=4"), "Bookmark not found");
  expect_404(api_.get("/v1/bookmarks/bookmark?key=2&verseNumber=255"), "Bookmark not found");
  expect_404(api_.get("/v1/bookmarks/bookmark?isReading=true"), "Reading bookmark not found");
}

TEST_F(DirectBookmarksTest, GetOneRejectsIncompleteDetails) {
  expect_422(api_.get("/v1/bookmarks/bookmark?key=2"), "Missing verseNumber");
  expect_422(api_.get("/v1/bookmarks/bookmark"), "Missing key");
  expect_422(api_.get("/v1/bookmarks/bookmark?key=abc&verseNumber=1"), "Invalid key: must be an integer");
  expect_422(api_.get("/v1/bookmarks/bookmark?type=verse&key=1"), "Invalid type: must be one of ayah, surah, juz, page");
  expect_error(api_.get("/v1/bookmarks/bookmark?isReading=maybe"), 422, "unprocessable_entity",
               "isReading must be true or false", true);
}

// ---- GET /v1/bookmarks ----

TEST_F(DirectBookmarksTest, ListAnswersNewestFirstWithCursorPagination) {
  auto empty = api_.get("/v1/bookmarks?mushafId=4");
  const auto empty_body = api_.ok(empty);
  EXPECT_EQ(keys_of(empty_body), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_TRUE(empty_body.at("data").as_array().empty());
  EXPECT_EQ(empty_body.at("pagination"),
            json::parse(R"({"startCursor":"","endCursor":"","hasNextPage":false,"hasPreviousPage":false})"));

  const std::string a = api_.bookmark(R"("key":1,"verseNumber":1)");
  const std::string b = api_.bookmark(R"("key":1,"verseNumber":2)");
  const std::string c = api_.bookmark(R"("key":1,"verseNumber":3)");
  const auto all = api_.ok(api_.get("/v1/bookmarks?mushafId=4"));
  EXPECT_EQ(ids_of(all.at("data")), (std::vector<std::string>{c, b, a}));
  for (const auto& item : all.at("data").as_array()) EXPECT_EQ(keys_of(item), kBookmarkKeys);
  EXPECT_EQ(keys_of(all.at("pagination")), kPaginationKeys);
  EXPECT_EQ(all.at("pagination").at("hasNextPage"), json::value(false));
  EXPECT_EQ(all.at("pagination").at("hasPreviousPage"), json::value(false));

  const auto page1 = api_.ok(api_.get("/v1/bookmarks?mushafId=4&first=2"));
  EXPECT_EQ(ids_of(page1.at("data")), (std::vector<std::string>{c, b}));
  EXPECT_EQ(page1.at("pagination").at("hasNextPage"), json::value(true));
  EXPECT_EQ(page1.at("pagination").at("hasPreviousPage"), json::value(false));
  const std::string end = str(page1.at("pagination").at("endCursor"));
  const auto page2 = api_.ok(api_.get("/v1/bookmarks?mushafId=4&first=2&after=" + end));
  EXPECT_EQ(ids_of(page2.at("data")), (std::vector<std::string>{a}));
  EXPECT_EQ(page2.at("pagination").at("hasNextPage"), json::value(false));
  EXPECT_EQ(page2.at("pagination").at("hasPreviousPage"), json::value(true));
}

TEST_F(DirectBookmarksTest, ListFiltersByTypeKeyReadingAndMushafLayout) {
  const std::string ayah = api_.bookmark(R"("key":2,"verseNumber":255,"isReading":true)");
  const std::string surah = api_.bookmark(R"("type":"surah","key":2)");
  const std::string juz = api_.bookmark(R"("type":"juz","key":30)");
  const std::string page604 = api_.bookmark(R"("type":"page","key":10,"mushafId":4)");
  const std::string page610 = api_.bookmark(R"("type":"page","key":10,"mushafId":3)");
  const auto ids = [&](const std::string& query) {
    const auto body = api_.ok(api_.get("/v1/bookmarks?" + query));
    auto v = ids_of(body.at("data"));
    return std::set<std::string>(v.begin(), v.end());
  };
  EXPECT_EQ(ids("mushafId=4"), (std::set<std::string>{ayah, surah, juz, page604}));
  EXPECT_EQ(ids("mushafId=3"), (std::set<std::string>{ayah, surah, juz, page610}));
  EXPECT_EQ(ids("mushafId=6"), (std::set<std::string>{ayah, surah, juz, page610}));  // same page count
  EXPECT_EQ(ids("mushafId=4&type=page"), (std::set<std::string>{page604}));
  EXPECT_EQ(ids("mushafId=4&type=ayah"), (std::set<std::string>{ayah}));
  EXPECT_EQ(ids("mushafId=4&key=2"), (std::set<std::string>{ayah, surah}));
  EXPECT_EQ(ids("mushafId=4&isReading=true"), (std::set<std::string>{ayah}));
  EXPECT_EQ(ids("mushafId=4&isReading=false"), (std::set<std::string>{surah, juz, page604}));
}

TEST_F(DirectBookmarksTest, ListCountsCollectionsIncludingFavorites) {
  const std::string id = api_.bookmark(R"("key":2,"verseNumber":255)");
  api_.add_to(api_.collection("One"), id);
  api_.add_to(api_.collection("Two"), id);
  api_.add_to("__default__", id);
  const auto body = api_.ok(api_.get("/v1/bookmarks?mushafId=4"));
  ASSERT_EQ(body.at("data").as_array().size(), 1u);
  EXPECT_EQ(num(body.at("data").at(0).at("collectionsCount")), 3);
  EXPECT_EQ(body.at("data").at(0).at("isInDefaultCollection"), json::value(true));
  EXPECT_EQ(num(find("key=2&verseNumber=255").at("collectionsCount")), 3);
}

TEST_F(DirectBookmarksTest, ListRejectsBadParameters) {
  expect_error(api_.get("/v1/bookmarks"), 400, "invalid_request", "mushafId is required", true);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mushafId=8", "mushafId must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19"},
      {"mushafId=abc", "mushafId must be an integer from 1 to 19"},
      {"mushafId=4&type=chapter", "type must be one of ayah, surah, juz, page"},
      {"mushafId=4&isReading=maybe", "isReading must be true or false"},
      {"mushafId=4&key=0", "key must be an integer from 1 to 1000"},
      {"mushafId=4&first=0", "first must be an integer from 1 to 100"},
      {"mushafId=4&first=101", "first must be an integer from 1 to 100"},
      {"mushafId=4&last=0", "last must be an integer from 1 to 100"},
      {"mushafId=4&after=!!!", "after must be a cursor from a previous page's pagination"},
      {"mushafId=4&before=!!!", "before must be a cursor from a previous page's pagination"},
  };
  for (const auto& [query, message] : cases) {
    SCOPED_TRACE(query);
    expect_422(api_.get("/v1/bookmarks?" + query), message);
  }
}

// ---- GET /v1/bookmarks/collections ----

TEST_F(DirectBookmarksTest, CollectionsOfABookmarkListsItsCollectionIdsAndFavoritesLast) {
  const std::string id = api_.bookmark(R"("key":2,"verseNumber":255)");
  const std::string one = api_.collection("One");
  const std::string two = api_.collection("Two");
  api_.add_to(one, id);
  api_.add_to("__default__", id);
  api_.add_to(two, id);

  const auto plain = api_.ok(api_.get("/v1/bookmarks/collections?key=2&verseNumber=255"));
  EXPECT_EQ(keys_of(plain), (std::set<std::string>{"success", "data"}));
  std::set<std::string> got;
  for (const auto& v : plain.at("data").as_array()) got.insert(str(v));
  EXPECT_EQ(got, (std::set<std::string>{one, two}));

  const auto with_default = api_.ok(api_.get("/v1/bookmarks/collections?key=2&verseNumber=255&includeDefault=true"));
  const auto& ids = with_default.at("data").as_array();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.back().as_string(), "__default__");

  const auto none = api_.ok(api_.get("/v1/bookmarks/collections?key=3&verseNumber=3&includeDefault=true"));
  EXPECT_TRUE(none.at("data").as_array().empty());
  expect_422(api_.get("/v1/bookmarks/collections?verseNumber=3"), "Missing key");
  expect_422(api_.get("/v1/bookmarks/collections?key=2&verseNumber=255&includeDefault=yes"),
             "includeDefault must be true or false");
}

// ---- GET /v1/bookmarks/ayahs-range ----

TEST_F(DirectBookmarksTest, AyahsRangeAnswersRawBookmarksOfOneSurahInVerseOrder) {
  const std::string five = api_.bookmark(R"("key":2,"verseNumber":5)");
  const std::string one = api_.bookmark(R"("key":2,"verseNumber":1)");
  api_.bookmark(R"("key":2,"verseNumber":6)");
  api_.bookmark(R"("key":3,"verseNumber":1)");
  api_.bookmark(R"("type":"surah","key":2)");
  const auto body =
      api_.ok(api_.get("/v1/bookmarks/ayahs-range?chapterNumber=2&rangeStartAyahNumber=1&rangeEndAyahNumber=5&mushafId=4"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_EQ(ids_of(body.at("data")), (std::vector<std::string>{one, five}));
  const auto& raw = body.at("data").at(0);
  EXPECT_EQ(keys_of(raw), kRawBookmarkKeys);
  EXPECT_EQ(raw.at("bookmarkType").as_string(), "ayah");
  EXPECT_EQ(raw.at("bookmarkGroup").as_string(), "verses_6236");
  EXPECT_EQ(num(raw.at("verseNumber")), 1);
  EXPECT_EQ(body.at("pagination").at("hasNextPage"), json::value(false));
}

TEST_F(DirectBookmarksTest, AyahsRangeRejectsMissingAndOutOfRangeParameters) {
  const std::string base = "/v1/bookmarks/ayahs-range?";
  expect_error(api_.get(base + "rangeStartAyahNumber=1&rangeEndAyahNumber=5&mushafId=4"), 400, "invalid_request",
               "chapterNumber is required", true);
  expect_error(api_.get(base + "chapterNumber=2&rangeStartAyahNumber=1&rangeEndAyahNumber=5"), 400,
               "invalid_request", "mushafId is required", true);
  expect_error(api_.get(base + "chapterNumber=2&rangeEndAyahNumber=5&mushafId=4"), 400, "invalid_request",
               "rangeStartAyahNumber is required", true);
  expect_422(api_.get(base + "chapterNumber=115&rangeStartAyahNumber=1&rangeEndAyahNumber=5&mushafId=4"),
             "chapterNumber must be an integer from 1 to 114");
  expect_422(api_.get(base + "chapterNumber=2&rangeStartAyahNumber=1&rangeEndAyahNumber=287&mushafId=4"),
             "rangeEndAyahNumber must be an integer from 1 to 286");
  expect_422(api_.get(base + "chapterNumber=2&rangeStartAyahNumber=6&rangeEndAyahNumber=5&mushafId=4"),
             "rangeStartAyahNumber must not be after rangeEndAyahNumber");
  expect_422(api_.get(base + "chapterNumber=2&rangeStartAyahNumber=1&rangeEndAyahNumber=5&mushafId=9"),
             "mushafId must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19");
}

// ---- DELETE /v1/bookmarks/{bookmarkId} ----

TEST_F(DirectBookmarksTest, DeleteRemovesAnOrphanBookmarkAndIsPulledAsATombstone) {
  const std::string id = api_.bookmark(R"("key":2,"verseNumber":255)");
  const auto before = sync_.head();
  auto r = api_.del("/v1/bookmarks/" + id);
  expect_message(r, "bookmark deleted");
  EXPECT_GT(mutation_at(r), before);
  EXPECT_EQ(mutation_at(r), sync_.head());
  EXPECT_FALSE(r.has_header("etag"));

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), id);
  EXPECT_TRUE(ms[0].at("data").as_object().empty());
  EXPECT_EQ(num(ms[0].at("timestamp")), mutation_at(r));
  EXPECT_TRUE(find("key=2&verseNumber=255").is_null());
  expect_404(api_.del("/v1/bookmarks/" + id), "Bookmark not found");
}

TEST_F(DirectBookmarksTest, DeleteOfTheReadingBookmarkInNoCollectionRemovesIt) {
  const std::string id = api_.bookmark(R"("key":18,"verseNumber":10,"isReading":true)");
  expect_message(api_.del("/v1/bookmarks/" + id), "bookmark deleted");
  expect_404(api_.get("/v1/bookmarks/bookmark?isReading=true"), "Reading bookmark not found");
  // A full pull carries the deleted bookmark as its tombstone only (SPEC, pull shape).
  const auto entries = pulls::entries_of(pulls::pulled(sync_, 0), "BOOKMARK");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(entries[0].at("resourceId").as_string(), id);
}

TEST_F(DirectBookmarksTest, DeleteKeepsACollectedBookmarkAndOnlyClearsIsReading) {
  const std::string collected = api_.bookmark(R"("key":5,"verseNumber":5,"isReading":true)");
  const std::string cid = api_.collection("Keep");
  api_.add_to(cid, collected);
  const auto before = sync_.head();
  auto r = api_.del("/v1/bookmarks/" + collected);
  expect_message(r, "bookmark deleted");
  EXPECT_EQ(mutation_at(r), sync_.head());
  const auto kept = find("key=5&verseNumber=5");
  ASSERT_TRUE(kept.is_object());
  EXPECT_EQ(kept.at("isReading"), json::value(false));
  EXPECT_EQ(num(kept.at("collectionsCount")), 1);
  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), collected);
  EXPECT_EQ(ms[0].at("data").at("isReading"), json::value(false));

  // Favorites keeps a bookmark the same way.
  api_.ok(api_.post("/v1/collections/__default__/bookmarks", R"({"key":6,"verseNumber":6})"));
  const std::string favorite = api_.bookmark(R"("key":6,"verseNumber":6,"isReading":true)");
  expect_message(api_.del("/v1/bookmarks/" + favorite), "bookmark deleted");
  const auto still = find("key=6&verseNumber=6");
  ASSERT_TRUE(still.is_object());
  EXPECT_EQ(still.at("isInDefaultCollection"), json::value(true));
  EXPECT_EQ(still.at("isReading"), json::value(false));
  // The memberships survive too.
  const auto in_collection = api_.data(api_.get("/v1/collections/" + cid));
  EXPECT_EQ(ids_of(in_collection.at("bookmarks")), (std::vector<std::string>{collected}));
}

TEST_F(DirectBookmarksTest, DeleteOfAMissingOrImpossibleIdIs404) {
  expect_404(api_.del("/v1/bookmarks/nope"), "Bookmark not found");
  expect_404(api_.del("/v1/bookmarks/a.b"), "Bookmark not found");
  expect_404(api_.del("/v1/bookmarks/" + std::string(65, 'x')), "Bookmark not found");
}

// ---- scopes, authentication, pulls ----

TEST_F(DirectBookmarksTest, ScopesGateEachEndpoint) {
  const std::string id = api_.bookmark(R"("key":2,"verseNumber":255)");
  const std::string add = R"({"key":2,"verseNumber":255})";

  DirectApi read(server_, "alice", "reader", "bookmark.read");
  expect_403(read.post("/v1/bookmarks", add));
  expect_403(read.del("/v1/bookmarks/" + id));
  EXPECT_EQ(read.get("/v1/bookmarks?mushafId=4").status, 200);
  EXPECT_EQ(read.get("/v1/bookmarks/bookmark?key=2&verseNumber=255").status, 200);
  EXPECT_EQ(read.get("/v1/bookmarks/ayahs-range?chapterNumber=2&rangeStartAyahNumber=1&rangeEndAyahNumber=5&mushafId=4")
                .status,
            200);
  // Which collections hold it is collection data as well.
  expect_403(read.get("/v1/bookmarks/collections?key=2&verseNumber=255"));
  DirectApi both(server_, "alice", "reader", "bookmark.read collection.read");
  EXPECT_EQ(both.get("/v1/bookmarks/collections?key=2&verseNumber=255").status, 200);

  DirectApi create(server_, "alice", "creator", "bookmark.create");
  EXPECT_EQ(create.post("/v1/bookmarks", add).status, 200);
  expect_403(create.del("/v1/bookmarks/" + id));
  expect_403(create.get("/v1/bookmarks?mushafId=4"));

  DirectApi others(server_, "alice", "others", "sync collection note reading_session preference");
  expect_403(others.post("/v1/bookmarks", add));
  expect_403(others.get("/v1/bookmarks?mushafId=4"));
  expect_403(others.get("/v1/bookmarks/bookmark?key=2&verseNumber=255"));
  expect_403(others.del("/v1/bookmarks/" + id));

  DirectApi remover(server_, "alice", "remover", "bookmark.delete");
  expect_message(remover.del("/v1/bookmarks/" + id), "bookmark deleted");

  auto anonymous = server_.client().post("/v1/bookmarks", add, {{"x-client-id", "nobody"}});
  expect_error(anonymous, 401, "unauthorized");
}

TEST_F(DirectBookmarksTest, WritesArePulledByAnotherDeviceAtTheirTimestamps) {
  const auto start = sync_.head();
  auto first = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})");
  const std::string first_id = str(api_.data(first).at("id"));
  auto ms = pulls::pulled(sync_, start);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(num(ms[0].at("timestamp")), mutation_at(first));
  const auto& d = ms[0].at("data");
  EXPECT_EQ(d.at("bookmarkType").as_string(), "ayah");
  EXPECT_EQ(d.at("bookmarkGroup").as_string(), "verses_6236");
  EXPECT_EQ(num(d.at("key")), 2);
  EXPECT_EQ(num(d.at("verseNumber")), 255);
  EXPECT_EQ(d.at("isReading"), json::value(true));

  // Moving the reading flag updates the previous reading bookmark as well.
  auto second = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":256,"isReading":true})");
  const std::string second_id = str(api_.data(second).at("id"));
  ms = pulls::pulled(sync_, mutation_at(first));
  ASSERT_EQ(ms.size(), 2u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resourceId").as_string(), first_id);
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("data").at("isReading"), json::value(false));
  EXPECT_EQ(ms[1].at("resourceId").as_string(), second_id);
  EXPECT_EQ(num(ms[1].at("timestamp")), mutation_at(second));
}

TEST_F(DirectBookmarksTest, OneUsersBookmarksAreInvisibleToAnother) {
  const std::string id = api_.bookmark(R"("key":2,"verseNumber":255)");
  DirectApi bob(server_, "bob");
  EXPECT_TRUE(bob.ok(bob.get("/v1/bookmarks?mushafId=4")).at("data").as_array().empty());
  expect_404(bob.get("/v1/bookmarks/bookmark?key=2&verseNumber=255"), "Bookmark not found");
  expect_404(bob.del("/v1/bookmarks/" + id), "Bookmark not found");
  EXPECT_TRUE(find("key=2&verseNumber=255").is_object());
}

}  // namespace
}  // namespace synclog::test
