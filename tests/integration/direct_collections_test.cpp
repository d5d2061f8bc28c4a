// The direct collection endpoints against the real binary (contract section 3,
// docs/openapi.json): POST/GET /v1/collections, GET /v1/collections/all, GET/POST/DELETE
// /v1/collections/{id}, and adding and removing bookmarks (/v1/collections/{id}/bookmarks[/{id}]),
// with "__default__" as the virtual Favorites collection. Exact answers, generic 422/404
// errors, the orphan rule of removals, the delete cascade and what another device pulls.
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

const std::set<std::string> kCollectionKeys = {"id",        "name",           "slug",           "isPrivate",
                                               "isDefault", "isSystem",       "updatedAt",      "bookmarksCount",
                                               "resourcesCount", "count"};

// A membership entry's {collectionId, bookmarkId} as "c|b".
std::string pair_of(const json::object& e) {
  return str(e.at("data").at("collectionId")) + "|" + str(e.at("data").at("bookmarkId"));
}

class DirectCollectionsTest : public ::testing::Test {
 protected:
  // GET /v1/collections/{id}'s data (null when 404).
  json::value collection(const std::string& id, const std::string& query = "") {
    auto r = api_.get("/v1/collections/" + id + query);
    if (r.status == 404) return nullptr;
    return api_.data(r);
  }
  // The ids of the bookmarks GET /v1/collections/{id} lists.
  std::vector<std::string> members(const std::string& id, const std::string& query = "") {
    const auto c = collection(id, query);
    return c.is_object() ? ids_of(c.at("bookmarks")) : std::vector<std::string>{};
  }
  // The bookmark with these details (GET /v1/bookmarks/bookmark), or null.
  json::value bookmark(const std::string& query) {
    auto r = api_.get("/v1/bookmarks/bookmark?" + query);
    if (r.status == 404) return nullptr;
    return api_.data(r);
  }
  std::set<std::string> list_ids(const std::string& target) {
    const auto body = api_.ok(api_.get(target));
    const auto v = body.contains("data") ? ids_of(body.at("data")) : std::vector<std::string>{};
    return std::set<std::string>(v.begin(), v.end());
  }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

// ---- POST /v1/collections ----

TEST_F(DirectCollectionsTest, CreateAnswersTheCollectionWithItsVersion) {
  const auto before = sync_.head();
  auto r = api_.post("/v1/collections", R"({"name":"Woman in Quran","isDefault":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  const json::value c = body.at("data");
  EXPECT_EQ(keys_of(c), kCollectionKeys) << r.body;
  EXPECT_EQ(c.at("name").as_string(), "Woman in Quran");
  EXPECT_EQ(c.at("slug").as_string(), "woman-in-quran");
  EXPECT_EQ(c.at("isPrivate"), json::value(true));
  EXPECT_EQ(c.at("isDefault"), json::value(false));
  EXPECT_EQ(c.at("isSystem"), json::value(false));
  EXPECT_EQ(num(c.at("bookmarksCount")), 0);
  EXPECT_EQ(num(c.at("resourcesCount")), 0);
  EXPECT_EQ(num(c.at("count")), 0);
  const auto at = expect_versioned_write(r, before, sync_);
  EXPECT_EQ(str(c.at("updatedAt")), iso_utc(at));

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("resource").as_string(), "COLLECTION");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("resourceId"), c.at("id"));
  EXPECT_EQ(ms[0].at("data").at("name").as_string(), "Woman in Quran");
  EXPECT_EQ(num(ms[0].at("timestamp")), at);
}

TEST_F(DirectCollectionsTest, CreateRejectsABadNameAndChangesNothing) {
  const auto head = sync_.head();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "Missing name"},
      {R"({"name":null})", "Missing name"},
      {R"({"name":""})", "Invalid name: must be 1-255 characters"},
      {R"({"name":")" + std::string(256, 'a') + R"("})", "Invalid name: must be 1-255 characters"},
      {R"({"name":123})", "Invalid name: must be a string"},
      {R"({"name":"a\u0001b"})", "Invalid name: must not contain control characters other than tab and line breaks"},
      {"[]", "The body must be a JSON object"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    expect_422(api_.post("/v1/collections", body), message);
  }
  expect_error(api_.post("/v1/collections", "name=x"), 400, "invalid_request");
  EXPECT_EQ(sync_.head(), head);
  // 255 characters (not bytes) is fine.
  std::string long_name;
  for (int i = 0; i < 255; ++i) long_name += "\xC3\xA9";  // é
  EXPECT_EQ(api_.post("/v1/collections", R"({"name":")" + long_name + R"("})").status, 200);
}

// ---- POST /v1/collections/{id} (rename) ----

TEST_F(DirectCollectionsTest, RenameAnswersAMessageAndIsPulledAsAnUpdate) {
  const std::string id = api_.collection("First");
  const auto before = sync_.head();
  auto r = api_.post("/v1/collections/" + id, R"({"name":"Second Name"})");
  expect_message(r, "collection renamed");
  expect_versioned_write(r, before, sync_);

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), id);
  EXPECT_EQ(ms[0].at("data").at("name").as_string(), "Second Name");
  EXPECT_EQ(ms[0].at("data").at("slug").as_string(), "second-name");
  const auto c = collection(id);
  EXPECT_EQ(c.at("collection").at("name").as_string(), "Second Name");
  expect_422(api_.post("/v1/collections/" + id, "{}"), "Missing name");
}

TEST_F(DirectCollectionsTest, MissingCollectionsAre404) {
  const auto head = sync_.head();
  expect_404(api_.post("/v1/collections/nope", R"({"name":"x"})"), "Collection not found");
  expect_404(api_.del("/v1/collections/nope"), "Collection not found");
  expect_404(api_.get("/v1/collections/nope"), "Collection not found");
  expect_404(api_.get("/v1/collections/not.an.id"), "Collection not found");
  expect_404(api_.post("/v1/collections/nope/bookmarks", R"({"key":1,"verseNumber":1})"), "Collection not found");
  expect_404(api_.del("/v1/collections/nope/bookmarks", R"({"key":1,"verseNumber":1})"), "Collection not found");
  expect_404(api_.del("/v1/collections/nope/bookmarks/abc"), "Collection not found");
  EXPECT_EQ(sync_.head(), head);
}

TEST_F(DirectCollectionsTest, FavoritesCannotBeRenamedOrDeleted) {
  api_.ok(api_.post("/v1/collections/__default__/bookmarks", R"({"key":1,"verseNumber":1})"));
  const auto head = sync_.head();
  const std::string message = "The default collection (Favorites) cannot be renamed or deleted";
  expect_422(api_.post("/v1/collections/__default__", R"({"name":"Mine"})"), message);
  expect_422(api_.del("/v1/collections/__default__"), message);
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(members("__default__").size(), 1u);
}

// ---- GET /v1/collections/{id} ----

TEST_F(DirectCollectionsTest, GetOneAnswersTheCollectionAndAPageOfItsBookmarks) {
  const std::string cid = api_.collection("Reading list");
  api_.ok(api_.post("/v1/collections/" + cid + "/bookmarks", R"({"key":2,"verseNumber":5})"));
  api_.ok(api_.post("/v1/collections/" + cid + "/bookmarks", R"({"key":1,"verseNumber":1})"));
  auto renamed = api_.post("/v1/collections/" + cid, R"({"name":"Reading list 2"})");
  api_.ok(api_.post("/v1/collections/" + cid + "/bookmarks", R"({"type":"surah","key":3})"));
  const std::string b25 = str(bookmark("key=2&verseNumber=5").at("id"));
  const std::string b11 = str(bookmark("key=1&verseNumber=1").at("id"));
  const std::string s3 = str(bookmark("type=surah&key=3").at("id"));

  auto r = api_.get("/v1/collections/" + cid);
  const auto body = api_.ok(r);
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_EQ(keys_of(body.at("data")), (std::set<std::string>{"collection", "bookmarks"}));
  const auto& c = body.at("data").at("collection");
  EXPECT_EQ(keys_of(c), kCollectionKeys);
  EXPECT_EQ(c.at("name").as_string(), "Reading list 2");
  EXPECT_EQ(num(c.at("bookmarksCount")), 3);
  EXPECT_EQ(num(c.at("count")), 3);
  // Newest membership first by default.
  EXPECT_EQ(ids_of(body.at("data").at("bookmarks")), (std::vector<std::string>{s3, b11, b25}));
  EXPECT_EQ(num(body.at("data").at("bookmarks").at(0).at("collectionsCount")), 1);
  // The collection's own version: its rename, not the later membership.
  EXPECT_EQ(r.header("etag"), renamed.header("etag"));
  EXPECT_EQ(r.header("x-modified-by"), "test-device");

  EXPECT_EQ(members(cid, "?sortBy=verseKey"), (std::vector<std::string>{b11, b25, s3}));
  EXPECT_EQ(members(cid, "?sortBy=recentlyAdded"), (std::vector<std::string>{s3, b11, b25}));
  const auto page = api_.ok(api_.get("/v1/collections/" + cid + "?sortBy=verseKey&first=2"));
  EXPECT_EQ(ids_of(page.at("data").at("bookmarks")), (std::vector<std::string>{b11, b25}));
  EXPECT_EQ(page.at("pagination").at("hasNextPage"), json::value(true));
  const std::string after = str(page.at("pagination").at("endCursor"));
  EXPECT_EQ(members(cid, "?sortBy=verseKey&first=2&after=" + after), (std::vector<std::string>{s3}));
  expect_422(api_.get("/v1/collections/" + cid + "?sortBy=name"), "sortBy must be recentlyAdded or verseKey");
  expect_422(api_.get("/v1/collections/" + cid + "?first=0"), "first must be an integer from 1 to 100");
}

TEST_F(DirectCollectionsTest, GetDefaultAnswersFavoritesInTheCollectionShape) {
  const auto empty = collection("__default__");
  ASSERT_TRUE(empty.is_object());
  const auto& fav = empty.at("collection");
  EXPECT_EQ(keys_of(fav), kCollectionKeys);
  EXPECT_EQ(fav.at("id").as_string(), "__default__");
  EXPECT_EQ(fav.at("name").as_string(), "Favorites");
  EXPECT_EQ(fav.at("isDefault"), json::value(true));
  EXPECT_EQ(fav.at("isSystem"), json::value(true));
  EXPECT_TRUE(fav.at("updatedAt").is_null());
  EXPECT_EQ(num(fav.at("bookmarksCount")), 0);
  EXPECT_TRUE(empty.at("bookmarks").as_array().empty());

  auto added = api_.post("/v1/collections/__default__/bookmarks", R"({"key":36,"verseNumber":1})");
  expect_message(added, "collection bookmark added");
  auto r = api_.get("/v1/collections/__default__");
  const auto now = api_.data(r);
  EXPECT_EQ(num(now.at("collection").at("bookmarksCount")), 1);
  EXPECT_EQ(str(now.at("collection").at("updatedAt")), iso_utc(mutation_at(added)));
  ASSERT_EQ(now.at("bookmarks").as_array().size(), 1u);
  EXPECT_EQ(now.at("bookmarks").at(0).at("isInDefaultCollection"), json::value(true));
  // Favorites is not listed among the collections.
  EXPECT_TRUE(list_ids("/v1/collections").empty());
}

// ---- GET /v1/collections, GET /v1/collections/all ----

TEST_F(DirectCollectionsTest, ListSortsByRecentUpdateOrByName) {
  const std::string beta = api_.collection("beta");
  const std::string alpha = api_.collection("Alpha");
  const std::string gamma = api_.collection("gamma");
  const auto order = [&](const std::string& query) {
    const auto body = api_.ok(api_.get("/v1/collections" + query));
    return ids_of(body.at("data"));
  };
  EXPECT_EQ(order(""), (std::vector<std::string>{gamma, alpha, beta}));
  expect_message(api_.post("/v1/collections/" + beta, R"({"name":"Beta"})"), "collection renamed");
  EXPECT_EQ(order(""), (std::vector<std::string>{beta, gamma, alpha}));
  EXPECT_EQ(order("?sortBy=recentlyUpdated"), (std::vector<std::string>{beta, gamma, alpha}));
  EXPECT_EQ(order("?sortBy=alphabetical"), (std::vector<std::string>{alpha, beta, gamma}));
  EXPECT_EQ(order("?sortBy=alphabeticalDesc"), (std::vector<std::string>{gamma, beta, alpha}));

  const auto body = api_.ok(api_.get("/v1/collections?sortBy=alphabetical&first=2"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data", "pagination"}));
  for (const auto& c : body.at("data").as_array()) EXPECT_EQ(keys_of(c), kCollectionKeys);
  EXPECT_EQ(ids_of(body.at("data")), (std::vector<std::string>{alpha, beta}));
  EXPECT_EQ(order("?sortBy=alphabetical&first=2&after=" + str(body.at("pagination").at("endCursor"))),
            (std::vector<std::string>{gamma}));
  expect_422(api_.get("/v1/collections?sortBy=name"),
             "sortBy must be recentlyUpdated, alphabetical or alphabeticalDesc");
  expect_422(api_.get("/v1/collections?type=chapter"), "type must be one of ayah, surah, juz, page");
}

TEST_F(DirectCollectionsTest, ListCountsBookmarksAndFiltersByTheirType) {
  const std::string ayahs = api_.collection("Ayahs");
  const std::string juzs = api_.collection("Juzs");
  const std::string empty = api_.collection("Empty");
  api_.ok(api_.post("/v1/collections/" + ayahs + "/bookmarks", R"({"key":1,"verseNumber":1})"));
  api_.ok(api_.post("/v1/collections/" + ayahs + "/bookmarks", R"({"key":1,"verseNumber":2})"));
  api_.ok(api_.post("/v1/collections/" + juzs + "/bookmarks", R"({"type":"juz","key":30})"));
  EXPECT_EQ(list_ids("/v1/collections?type=juz"), (std::set<std::string>{juzs}));
  EXPECT_EQ(list_ids("/v1/collections?type=ayah"), (std::set<std::string>{ayahs}));
  EXPECT_EQ(list_ids("/v1/collections?type=page"), (std::set<std::string>{}));
  EXPECT_EQ(list_ids("/v1/collections"), (std::set<std::string>{ayahs, juzs, empty}));
  const auto body = api_.ok(api_.get("/v1/collections?sortBy=alphabetical"));
  EXPECT_EQ(num(body.at("data").at(0).at("bookmarksCount")), 2);  // Ayahs
  EXPECT_EQ(num(body.at("data").at(1).at("bookmarksCount")), 0);  // Empty
  EXPECT_EQ(num(body.at("data").at(2).at("bookmarksCount")), 1);  // Juzs
}

TEST_F(DirectCollectionsTest, AllListsEveryCollectedBookmarkOnce) {
  const std::string one = api_.collection("One");
  const std::string two = api_.collection("Two");
  const std::string twice = api_.bookmark(R"("key":3,"verseNumber":3)");
  const std::string favorite = api_.bookmark(R"("key":1,"verseNumber":1)");
  const std::string surah = api_.bookmark(R"("type":"surah","key":9)");
  api_.bookmark(R"("key":4,"verseNumber":4)");  // in no collection: not listed
  api_.add_to(one, twice);
  api_.add_to(two, twice);
  api_.add_to("__default__", favorite);
  api_.add_to(two, surah);

  const auto body = api_.ok(api_.get("/v1/collections/all"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data", "pagination"}));
  // Most recently added first.
  EXPECT_EQ(ids_of(body.at("data")), (std::vector<std::string>{surah, favorite, twice}));
  EXPECT_EQ(ids_of(api_.ok(api_.get("/v1/collections/all?sortBy=verseKey")).at("data")),
            (std::vector<std::string>{favorite, twice, surah}));
  EXPECT_EQ(list_ids("/v1/collections/all?type=surah"), (std::set<std::string>{surah}));
  expect_422(api_.get("/v1/collections/all?sortBy=oldest"), "sortBy must be recentlyAdded or verseKey");
}

// ---- POST /v1/collections/{id}/bookmarks ----

TEST_F(DirectCollectionsTest, AddByDetailsCreatesTheBookmarkAndTheMembership) {
  const std::string cid = api_.collection("Added");
  const auto before = sync_.head();
  auto r = api_.post("/v1/collections/" + cid + "/bookmarks", R"({"key":2,"verseNumber":255,"mushafId":4})");
  expect_message(r, "collection bookmark added");
  const auto at = expect_versioned_write(r, before, sync_);
  const std::string bid = str(bookmark("key=2&verseNumber=255").at("id"));

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 2u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), bid);
  EXPECT_EQ(ms[1].at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(ms[1].at("type").as_string(), "CREATE");
  EXPECT_EQ(pair_of(ms[1].as_object()), cid + "|" + bid);
  EXPECT_EQ(num(ms[1].at("timestamp")), at);
  EXPECT_EQ(members(cid), (std::vector<std::string>{bid}));
}

TEST_F(DirectCollectionsTest, AddByBookmarkIdIsAnIdempotentUpsert) {
  const std::string cid = api_.collection("Twice");
  const std::string bid = api_.bookmark(R"("type":"juz","key":1)");
  for (int i = 0; i < 2; ++i) {
    expect_message(api_.post("/v1/collections/" + cid + "/bookmarks", R"({"bookmarkId":")" + bid + R"("})"),
                   "collection bookmark added");
  }
  EXPECT_EQ(members(cid), (std::vector<std::string>{bid}));
  EXPECT_EQ(num(collection(cid).at("collection").at("bookmarksCount")), 1);
  const auto memberships = pulls::entries_of(pulls::pulled(sync_, 0), "COLLECTION_BOOKMARK");
  ASSERT_EQ(memberships.size(), 1u);
  EXPECT_EQ(pair_of(memberships[0]), cid + "|" + bid);
}

TEST_F(DirectCollectionsTest, AddRejectsBadBodiesAndMissingBookmarks) {
  const std::string cid = api_.collection("Strict");
  const auto head = sync_.head();
  const std::string target = "/v1/collections/" + cid + "/bookmarks";
  expect_422(api_.post(target, "{}"), "Missing key");
  expect_422(api_.post(target, R"({"bookmarkId":"bad id"})"),
             "Invalid bookmarkId: must be 1-64 characters of A-Z, a-z, 0-9, _ and -");
  expect_422(api_.post(target, R"({"key":2,"verseNumber":300})"),
             "Invalid verseNumber: must be an ayah of surah 2 (1-286)");
  expect_422(api_.post(target, R"({"type":"juz","key":31})"), "Invalid key: must be a juz number 1-30");
  expect_error(api_.post(target, "{"), 400, "invalid_request");
  expect_404(api_.post(target, R"({"bookmarkId":"missing"})"), "Bookmark not found");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(members(cid).empty());
}

TEST_F(DirectCollectionsTest, FavoritesHoldAyahBookmarksOnlyAndArePulledAsBookmarkFlags) {
  const std::string juz = api_.bookmark(R"("type":"juz","key":30)");
  const auto head = sync_.head();
  expect_422(api_.post("/v1/collections/__default__/bookmarks", R"({"type":"surah","key":2})"),
             "Invalid type: the default collection holds ayah bookmarks only");
  expect_422(api_.post("/v1/collections/__default__/bookmarks", R"({"bookmarkId":")" + juz + R"("})"),
             "Invalid bookmarkId: the default collection holds ayah bookmarks only");
  EXPECT_EQ(sync_.head(), head);

  const std::string ayah = api_.bookmark(R"("key":2,"verseNumber":255)");
  const auto before = sync_.head();
  auto r = api_.post("/v1/collections/__default__/bookmarks", R"({"bookmarkId":")" + ayah + R"("})");
  expect_message(r, "collection bookmark added");
  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), ayah);
  EXPECT_EQ(ms[0].at("data").at("isInDefaultCollection"), json::value(true));
  // For Favorites the membership's version is the bookmark's.
  EXPECT_EQ(r.header("etag"), api_.get("/v1/bookmarks/bookmark?key=2&verseNumber=255").header("etag"));
  EXPECT_TRUE(pulls::entries_of(pulls::pulled(sync_, 0), "COLLECTION_BOOKMARK").empty());
  EXPECT_EQ(members("__default__"), (std::vector<std::string>{ayah}));
}

// ---- DELETE /v1/collections/{id}/bookmarks[/{bookmarkId}] ----

TEST_F(DirectCollectionsTest, RemoveByPathDeletesABookmarkItLeavesOrphaned) {
  const std::string cid = api_.collection("Only home");
  const std::string bid = api_.bookmark(R"("key":7,"verseNumber":7)");
  api_.add_to(cid, bid);
  const auto before = sync_.head();
  auto r = api_.del("/v1/collections/" + cid + "/bookmarks/" + bid);
  expect_message(r, "collection bookmark deleted");
  EXPECT_EQ(mutation_at(r), sync_.head());
  EXPECT_FALSE(r.has_header("etag"));

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 2u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(pair_of(ms[0].as_object()), cid + "|" + bid);
  EXPECT_EQ(ms[1].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[1].at("type").as_string(), "DELETE");
  EXPECT_EQ(ms[1].at("resourceId").as_string(), bid);
  EXPECT_EQ(num(ms[1].at("timestamp")), mutation_at(r));
  EXPECT_TRUE(bookmark("key=7&verseNumber=7").is_null());
  EXPECT_TRUE(members(cid).empty());
}

TEST_F(DirectCollectionsTest, RemoveByBodyAnswersEmptyDataByIdOrByDetails) {
  const std::string cid = api_.collection("Body");
  const std::string by_id = api_.bookmark(R"("key":8,"verseNumber":1)");
  const std::string by_details = api_.bookmark(R"("type":"page","key":50,"mushafId":3)");
  api_.add_to(cid, by_id);
  api_.add_to(cid, by_details);

  auto r = api_.del("/v1/collections/" + cid + "/bookmarks", R"({"bookmarkId":")" + by_id + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"success":true,"data":{}})"));
  EXPECT_EQ(mutation_at(r), sync_.head());
  auto d = api_.del("/v1/collections/" + cid + "/bookmarks", R"({"type":"page","key":50,"mushafId":3})");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.json(), json::parse(R"({"success":true,"data":{}})"));
  EXPECT_TRUE(members(cid).empty());
  expect_422(api_.del("/v1/collections/" + cid + "/bookmarks", "{}"), "Missing key");
}

TEST_F(DirectCollectionsTest, RemoveKeepsABookmarkStillCollectedFavoritedOrReading) {
  const std::string cid = api_.collection("Leaving");
  const std::string other = api_.collection("Staying");
  const std::string elsewhere = api_.bookmark(R"("key":10,"verseNumber":1)");
  const std::string favorite = api_.bookmark(R"("key":10,"verseNumber":2)");
  const std::string reading = api_.bookmark(R"("key":10,"verseNumber":3,"isReading":true)");
  for (const auto& b : {elsewhere, favorite, reading}) api_.add_to(cid, b);
  api_.add_to(other, elsewhere);
  api_.add_to("__default__", favorite);

  const auto before = sync_.head();
  for (const auto& b : {elsewhere, favorite, reading}) {
    expect_message(api_.del("/v1/collections/" + cid + "/bookmarks/" + b), "collection bookmark deleted");
  }
  EXPECT_TRUE(members(cid).empty());
  EXPECT_TRUE(bookmark("key=10&verseNumber=1").is_object());
  EXPECT_TRUE(bookmark("key=10&verseNumber=2").is_object());
  EXPECT_TRUE(bookmark("key=10&verseNumber=3").is_object());
  const auto ms = pulls::pulled(sync_, before);
  EXPECT_TRUE(pulls::entries_of(ms, "BOOKMARK").empty()) << json::serialize(ms);
  EXPECT_EQ(pulls::entries_of(ms, "COLLECTION_BOOKMARK").size(), 3u);
}

TEST_F(DirectCollectionsTest, RemoveFromFavoritesDeletesOnlyAnOrphan) {
  const std::string cid = api_.collection("Also");
  const std::string only_favorite = api_.bookmark(R"("key":12,"verseNumber":1)");
  const std::string also_collected = api_.bookmark(R"("key":12,"verseNumber":2)");
  api_.add_to("__default__", only_favorite);
  api_.add_to("__default__", also_collected);
  api_.add_to(cid, also_collected);

  const auto before = sync_.head();
  expect_message(api_.del("/v1/collections/__default__/bookmarks/" + only_favorite), "collection bookmark deleted");
  auto by_body = api_.del("/v1/collections/__default__/bookmarks", R"({"key":12,"verseNumber":2})");
  ASSERT_EQ(by_body.status, 200) << by_body.body;
  EXPECT_EQ(by_body.json(), json::parse(R"({"success":true,"data":{}})"));

  EXPECT_TRUE(bookmark("key=12&verseNumber=1").is_null());
  const auto kept = bookmark("key=12&verseNumber=2");
  ASSERT_TRUE(kept.is_object());
  EXPECT_EQ(kept.at("isInDefaultCollection"), json::value(false));
  EXPECT_TRUE(members("__default__").empty());
  const auto ms = pulls::pulled(sync_, before);
  EXPECT_EQ(pulls::only_entry(ms, "BOOKMARK", only_favorite).at("type").as_string(), "DELETE");
  const auto update = pulls::only_entry(ms, "BOOKMARK", also_collected);
  EXPECT_EQ(update.at("type").as_string(), "UPDATE");
  EXPECT_EQ(update.at("data").at("isInDefaultCollection"), json::value(false));
  EXPECT_TRUE(pulls::entries_of(ms, "COLLECTION_BOOKMARK").empty());
}

TEST_F(DirectCollectionsTest, RemovingAMembershipThatDoesNotExistIs404) {
  const std::string cid = api_.collection("Nothing here");
  const std::string outside = api_.bookmark(R"("key":20,"verseNumber":1)");
  const auto head = sync_.head();
  const std::string message = "Bookmark in this collection not found";
  expect_404(api_.del("/v1/collections/" + cid + "/bookmarks/" + outside), message);
  expect_404(api_.del("/v1/collections/" + cid + "/bookmarks/missing"), message);
  expect_404(api_.del("/v1/collections/" + cid + "/bookmarks", R"({"bookmarkId":")" + outside + R"("})"), message);
  expect_404(api_.del("/v1/collections/" + cid + "/bookmarks", R"({"key":20,"verseNumber":2})"), message);
  expect_404(api_.del("/v1/collections/__default__/bookmarks/" + outside), message);
  expect_404(api_.del("/v1/collections/" + cid + "/bookmarks/bad.id"), "Bookmark not found");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(bookmark("key=20&verseNumber=1").is_object());
}

// ---- DELETE /v1/collections/{id} ----

TEST_F(DirectCollectionsTest, DeleteCascadesLikeSync) {
  const std::string going = api_.collection("Going");
  const std::string staying = api_.collection("Staying");
  const std::string orphan = api_.bookmark(R"("key":30,"verseNumber":1)");
  const std::string elsewhere = api_.bookmark(R"("key":30,"verseNumber":2)");
  const std::string favorite = api_.bookmark(R"("key":30,"verseNumber":3)");
  const std::string reading = api_.bookmark(R"("key":30,"verseNumber":4,"isReading":true)");
  for (const auto& b : {orphan, elsewhere, favorite, reading}) api_.add_to(going, b);
  api_.add_to(staying, elsewhere);
  api_.add_to("__default__", favorite);

  const auto before = sync_.head();
  auto r = api_.del("/v1/collections/" + going);
  expect_message(r, "collection deleted");
  EXPECT_FALSE(r.has_header("etag"));
  const auto at = mutation_at(r);
  EXPECT_EQ(sync_.head(), at);

  const auto ms = pulls::pulled(sync_, before);
  std::set<std::string> removed;
  for (const auto& m : pulls::entries_of(ms, "COLLECTION_BOOKMARK")) {
    EXPECT_EQ(m.at("type").as_string(), "DELETE");
    removed.insert(pair_of(m));
  }
  EXPECT_EQ(removed, (std::set<std::string>{going + "|" + orphan, going + "|" + elsewhere, going + "|" + favorite,
                                            going + "|" + reading}));
  const auto bookmarks = pulls::entries_of(ms, "BOOKMARK");
  ASSERT_EQ(bookmarks.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(bookmarks[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(bookmarks[0].at("resourceId").as_string(), orphan);
  const auto last = ms.back().as_object();
  EXPECT_EQ(last.at("resource").as_string(), "COLLECTION");
  EXPECT_EQ(last.at("type").as_string(), "DELETE");
  EXPECT_EQ(last.at("resourceId").as_string(), going);
  EXPECT_EQ(num(last.at("timestamp")), at);

  expect_404(api_.get("/v1/collections/" + going), "Collection not found");
  expect_404(api_.del("/v1/collections/" + going), "Collection not found");
  EXPECT_EQ(members(staying), (std::vector<std::string>{elsewhere}));
  EXPECT_TRUE(bookmark("key=30&verseNumber=1").is_null());
  EXPECT_TRUE(bookmark("key=30&verseNumber=3").is_object());
  EXPECT_TRUE(bookmark("key=30&verseNumber=4").is_object());
}

// ---- scopes ----

TEST_F(DirectCollectionsTest, ScopesGateEachEndpoint) {
  const std::string cid = api_.collection("Scoped");
  const std::string bid = api_.bookmark(R"("key":1,"verseNumber":1)");
  const std::string add = R"({"bookmarkId":")" + bid + R"("})";

  DirectApi read(server_, "alice", "reader", "collection.read");
  expect_403(read.post("/v1/collections", R"({"name":"x"})"));
  expect_403(read.post("/v1/collections/" + cid, R"({"name":"x"})"));
  expect_403(read.del("/v1/collections/" + cid));
  EXPECT_EQ(read.get("/v1/collections").status, 200);
  // A collection's page lists bookmarks: both families must allow reading.
  expect_403(read.get("/v1/collections/" + cid));
  expect_403(read.get("/v1/collections/all"));
  DirectApi both_read(server_, "alice", "reader", "collection.read bookmark.read");
  EXPECT_EQ(both_read.get("/v1/collections/" + cid).status, 200);
  EXPECT_EQ(both_read.get("/v1/collections/all").status, 200);

  DirectApi create(server_, "alice", "creator", "collection.create");
  EXPECT_EQ(create.post("/v1/collections", R"({"name":"x"})").status, 200);
  expect_403(create.post("/v1/collections/" + cid, R"({"name":"y"})"));
  expect_403(create.get("/v1/collections"));
  // Memberships need the bookmark family as well.
  expect_403(create.post("/v1/collections/" + cid + "/bookmarks", add));

  DirectApi update(server_, "alice", "updater", "collection.update");
  expect_message(update.post("/v1/collections/" + cid, R"({"name":"Renamed"})"), "collection renamed");
  expect_403(update.del("/v1/collections/" + cid));

  DirectApi member(server_, "alice", "member", "collection.update bookmark.create");
  expect_message(member.post("/v1/collections/" + cid + "/bookmarks", add), "collection bookmark added");
  expect_403(member.del("/v1/collections/" + cid + "/bookmarks/" + bid));
  DirectApi unmember(server_, "alice", "unmember", "collection.delete bookmark.delete");
  expect_message(unmember.del("/v1/collections/" + cid + "/bookmarks/" + bid), "collection bookmark deleted");

  DirectApi bookmarks_only(server_, "alice", "bookmarks", "bookmark sync");
  expect_403(bookmarks_only.post("/v1/collections", R"({"name":"x"})"));
  expect_403(bookmarks_only.post("/v1/collections/__default__/bookmarks", R"({"key":1,"verseNumber":2})"));
  expect_403(bookmarks_only.get("/v1/collections/__default__"));

  DirectApi remover(server_, "alice", "remover", "collection.delete");
  expect_message(remover.del("/v1/collections/" + cid), "collection deleted");
}

}  // namespace
}  // namespace synclog::test
