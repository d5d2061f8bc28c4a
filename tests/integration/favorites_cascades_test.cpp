// The virtual Favorites collection and the cascades between collections, memberships and
// bookmarks, against the real binary (SPEC section 2 "Favorites" and "Cascades", contract 2.3,
// ambiguities A10, A11, A13, A22).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace pulls;

std::string add(const std::string& collection_id, const std::string& target) {
  return R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":")" +
         collection_id + R"(",)" + target + "}}";
}
std::string take_out(const std::string& collection_id, const std::string& target) {
  return R"({"resource":"COLLECTION_BOOKMARK","type":"DELETE","data":{"collectionId":")" +
         collection_id + R"(",)" + target + "}}";
}
std::string by_id(const std::string& bookmark_id) {
  return R"("bookmarkId":")" + bookmark_id + R"(")";
}
std::string make_collection(const std::string& name) {
  return R"({"resource":"COLLECTION","type":"CREATE","data":{"name":")" + name + R"("}})";
}
std::string make_ayah(int surah, int ayah) {
  return R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":)" + std::to_string(surah) +
         R"(,"verseNumber":)" + std::to_string(ayah) + "}}";
}
std::string delete_of(const std::string& resource, const std::string& id) {
  return R"({"resource":")" + resource + R"(","type":"DELETE","resourceId":")" + id + R"("})";
}

// A membership entry's {collectionId, bookmarkId} as "c|b".
std::string pair_of(const json::object& e) {
  return str(e.at("data").at("collectionId")) + "|" + str(e.at("data").at("bookmarkId"));
}
std::set<std::string> pairs_of(const std::vector<json::object>& entries) {
  std::set<std::string> out;
  for (const auto& e : entries) out.insert(pair_of(e));
  return out;
}

class FavoritesCascadesTest : public ::testing::Test {
 protected:
  // The only entry for bookmark `id` in a full pull (its latest state).
  json::object bookmark_now(const std::string& id) {
    return only_entry(pulled(api_, 0), "BOOKMARK", id);
  }

  ServerProcess server_;
  SyncApi api_{server_, "alice"};
};

// ---- Favorites ----

TEST_F(FavoritesCascadesTest, AddToFavoritesByDetailsCreatesTheBookmarkAndNoMembershipEntry) {
  const auto start = api_.head();
  auto data = api_.push_ok("[" + add("__default__", R"("key":2,"verseNumber":255)") + "]");
  const auto acks = data.at("mutations").as_array();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(acks[0].at("type").as_string(), "CREATE");

  const auto ms = pulled(api_, start);
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("data").at("isInDefaultCollection"), json::value(true));
  EXPECT_EQ(num(ms[0].at("data").at("key")), 2);
  EXPECT_EQ(num(ms[0].at("data").at("verseNumber")), 255);
  const std::string bid = str(ms[0].at("resourceId"));
  EXPECT_EQ(ack_id(data, 0), "__default__-" + bid);
  EXPECT_EQ(num(ms[0].at("timestamp")), ack_ts(data, 0));
}

TEST_F(FavoritesCascadesTest, AddToFavoritesByBookmarkIdEmitsABookmarkUpdate) {
  auto created = api_.push_ok("[" + make_ayah(36, 1) + "]");
  const std::string bid = ack_id(created, 0);
  EXPECT_EQ(bookmark_now(bid).at("data").at("isInDefaultCollection"), json::value(false));

  auto added = api_.push_ok("[" + add("__default__", by_id(bid)) + "]");
  EXPECT_EQ(ack_id(added, 0), "__default__-" + bid);
  const auto ms = pulled(api_, new_head(created));
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), bid);
  EXPECT_EQ(ms[0].at("data").at("isInDefaultCollection"), json::value(true));
}

TEST_F(FavoritesCascadesTest, RemoveFromFavoritesByIdOrByDetailsKeepsTheBookmark) {
  auto created = api_.push_ok("[" + add("__default__", R"("key":1,"verseNumber":5)") + "]");
  const std::string bid = str(pulled(api_, 0).at(0).at("resourceId"));

  auto removed = api_.push_ok("[" + take_out("__default__", by_id(bid)) + "]");
  EXPECT_EQ(ack_id(removed, 0), "__default__-" + bid);
  auto after_id = pulled(api_, new_head(created));
  ASSERT_EQ(after_id.size(), 1u) << json::serialize(after_id);
  EXPECT_EQ(after_id[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(after_id[0].at("data").at("isInDefaultCollection"), json::value(false));

  api_.push_ok("[" + add("__default__", by_id(bid)) + "]");
  EXPECT_EQ(bookmark_now(bid).at("data").at("isInDefaultCollection"), json::value(true));
  auto by_details = api_.push_ok("[" + take_out("__default__", R"("type":"ayah","key":1,"verseNumber":5)") + "]");
  EXPECT_EQ(ack_id(by_details, 0), "__default__-" + bid);
  auto now = bookmark_now(bid);
  EXPECT_EQ(now.at("type").as_string(), "CREATE");  // still alive, never deleted
  EXPECT_EQ(now.at("data").at("isInDefaultCollection"), json::value(false));
}

TEST_F(FavoritesCascadesTest, NonAyahBookmarksCannotBeFavorites) {
  auto created = api_.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":30}}])");
  const std::string juz = ack_id(created, 0);
  const auto head = api_.head();

  expect_validation_error(api_.push(head, "[" + make_ayah(1, 1) + "," +
                                              add("__default__", R"("type":"surah","key":18)") + "]"),
                          1, "data.type");
  expect_validation_error(api_.push(head, "[" + add("__default__", R"("type":"page","key":3)") + "]"),
                          0, "data.type");
  expect_validation_error(api_.push(head, "[" + add("__default__", by_id(juz)) + "]"), 0,
                          "data.bookmarkId");
  EXPECT_EQ(api_.head(), head);
  EXPECT_EQ(pulled(api_, 0).size(), 1u);
  EXPECT_EQ(bookmark_now(juz).at("data").at("isInDefaultCollection"), json::value(false));
}

TEST_F(FavoritesCascadesTest, NoCollectionBookmarkEntryIsEverPulledForFavorites) {
  auto setup = api_.push_ok("[" + make_collection("Real") + "," + make_ayah(3, 3) + "]");
  const std::string cid = ack_id(setup, 0);
  const std::string bid = ack_id(setup, 1);
  api_.push_ok("[" + add("__default__", by_id(bid)) + "," + add("__default__", R"("key":3,"verseNumber":4)") +
               "," + add(cid, by_id(bid)) + "]");
  api_.push_ok("[" + take_out("__default__", by_id(bid)) + "]");
  api_.push_ok("[" + add("__default__", by_id(bid)) + "]");

  for (const std::string& extra : {std::string(), std::string("&page=1&limit=1000"),
                                   std::string("&resources=COLLECTION_BOOKMARK")}) {
    SCOPED_TRACE(extra);
    const auto ms = pulled(api_, 0, extra);
    const auto memberships = entries_of(ms, "COLLECTION_BOOKMARK");
    ASSERT_FALSE(memberships.empty());
    for (const auto& m : memberships) {
      EXPECT_EQ(m.at("data").at("collectionId").as_string(), cid) << json::serialize(m);
    }
    for (const auto& m : entries_of(ms, "COLLECTION")) {
      EXPECT_EQ(m.at("resourceId").as_string(), cid);
    }
  }
  // Membership lives on the bookmarks instead.
  const auto all = pulled(api_, 0);
  EXPECT_EQ(only_entry(all, "BOOKMARK", bid).at("data").at("isInDefaultCollection"), json::value(true));
  const auto bookmarks = entries_of(all, "BOOKMARK");
  ASSERT_EQ(bookmarks.size(), 2u);
  for (const auto& b : bookmarks) {
    EXPECT_EQ(b.at("data").at("isInDefaultCollection"), json::value(true)) << json::serialize(b);
  }
}

TEST_F(FavoritesCascadesTest, FavoritesAddIsIdempotent) {
  auto setup = api_.push_ok("[" + make_ayah(2, 2) + "]");
  const std::string bid = ack_id(setup, 0);
  auto twice = api_.push_ok("[" + add("__default__", by_id(bid)) + "," + add("__default__", by_id(bid)) + "]");
  EXPECT_EQ(ack_id(twice, 0), "__default__-" + bid);
  EXPECT_EQ(ack_id(twice, 1), "__default__-" + bid);
  const auto all = pulled(api_, 0);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].at("data").at("isInDefaultCollection"), json::value(true));
}

// ---- collection delete ----

TEST_F(FavoritesCascadesTest, CollectionDeleteRemovesMembershipsAndOnlyOrphanedBookmarks) {
  auto setup = api_.push_ok("[" + make_collection("Going") + "," + make_collection("Staying") + "," +
                            make_ayah(10, 1) + "," + make_ayah(10, 2) + "," + make_ayah(10, 3) + "," +
                            make_ayah(10, 4) + "]");
  const std::string going = ack_id(setup, 0);
  const std::string staying = ack_id(setup, 1);
  const std::string orphan = ack_id(setup, 2);      // only in "Going"
  const std::string elsewhere = ack_id(setup, 3);   // also in "Staying"
  const std::string favorite = ack_id(setup, 4);    // also in Favorites
  const std::string reading = ack_id(setup, 5);     // the reading bookmark
  api_.push_ok("[" + add(going, by_id(orphan)) + "," + add(going, by_id(elsewhere)) + "," +
               add(going, by_id(favorite)) + "," + add(going, by_id(reading)) + "," +
               add(staying, by_id(elsewhere)) + "," + add("__default__", by_id(favorite)) + "]");
  auto flag = api_.push_ok(R"([{"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + reading +
                           R"(","data":{"isReading":true}}])");
  const auto before_delete = new_head(flag);

  auto deleted = api_.push_ok("[" + delete_of("COLLECTION", going) + "]");
  ASSERT_EQ(deleted.at("mutations").as_array().size(), 1u);
  EXPECT_EQ(ack_id(deleted, 0), going);
  EXPECT_EQ(new_head(deleted), ack_ts(deleted, 0));  // cascades come first

  const auto ms = pulled(api_, before_delete);
  const auto memberships = entries_of(ms, "COLLECTION_BOOKMARK");
  EXPECT_EQ(pairs_of(memberships),
            (std::set<std::string>{going + "|" + orphan, going + "|" + elsewhere,
                                   going + "|" + favorite, going + "|" + reading}));
  for (const auto& m : memberships) {
    EXPECT_EQ(m.at("type").as_string(), "DELETE");
    EXPECT_FALSE(m.contains("resourceId"));
    EXPECT_EQ(keys_of(m.at("data")), (std::set<std::string>{"collectionId", "bookmarkId"}));
    EXPECT_LT(num(m.at("timestamp")), ack_ts(deleted, 0));
  }
  const auto bookmarks = entries_of(ms, "BOOKMARK");
  ASSERT_EQ(bookmarks.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(bookmarks[0].at("resourceId").as_string(), orphan);
  EXPECT_EQ(bookmarks[0].at("type").as_string(), "DELETE");
  EXPECT_TRUE(bookmarks[0].at("data").as_object().empty());
  auto c = only_entry(ms, "COLLECTION", going);
  EXPECT_EQ(c.at("type").as_string(), "DELETE");
  EXPECT_EQ(num(c.at("timestamp")), ack_ts(deleted, 0));
  EXPECT_EQ(ms.size(), 6u);

  // The survivors, as a fresh device sees them.
  const auto all = pulled(api_, 0);
  for (const auto& kept : {elsewhere, favorite, reading}) {
    EXPECT_EQ(only_entry(all, "BOOKMARK", kept).at("type").as_string(), "CREATE") << kept;
  }
  EXPECT_EQ(only_entry(all, "BOOKMARK", orphan).at("type").as_string(), "DELETE");
  EXPECT_EQ(only_entry(all, "COLLECTION", staying).at("type").as_string(), "CREATE");
  std::set<std::string> live;
  for (const auto& m : entries_of(all, "COLLECTION_BOOKMARK")) {
    if (m.at("type").as_string() != "DELETE") live.insert(pair_of(m));
  }
  EXPECT_EQ(live, (std::set<std::string>{staying + "|" + elsewhere}));
}

TEST_F(FavoritesCascadesTest, DeletingAnEmptyCollectionDeletesOnlyIt) {
  auto setup = api_.push_ok("[" + make_collection("Empty") + "," + make_ayah(4, 4) + "]");
  api_.push_ok("[" + delete_of("COLLECTION", ack_id(setup, 0)) + "]");
  const auto ms = pulled(api_, new_head(setup));
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "COLLECTION");
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(only_entry(pulled(api_, 0), "BOOKMARK", ack_id(setup, 1)).at("type").as_string(), "CREATE");
}

// ---- memberships ----

TEST_F(FavoritesCascadesTest, AddingAnExistingMembershipAgainIsIdempotent) {
  auto setup = api_.push_ok("[" + make_collection("Twice") + "," + make_ayah(5, 5) + "]");
  const std::string cid = ack_id(setup, 0);
  const std::string bid = ack_id(setup, 1);
  auto first = api_.push_ok("[" + add(cid, by_id(bid)) + "]");
  auto again = api_.push_ok("[" + add(cid, by_id(bid)) + "," + add(cid, R"("key":5,"verseNumber":5)") + "]");
  EXPECT_EQ(ack_id(first, 0), cid + "-" + bid);
  EXPECT_EQ(ack_id(again, 0), cid + "-" + bid);
  EXPECT_EQ(ack_id(again, 1), cid + "-" + bid);

  const auto all = pulled(api_, 0);
  const auto memberships = entries_of(all, "COLLECTION_BOOKMARK");
  ASSERT_EQ(memberships.size(), 1u) << json::serialize(all);
  EXPECT_EQ(memberships[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(entries_of(all, "BOOKMARK").size(), 1u);

  // One DELETE removes the one membership.
  auto removed = api_.push_ok("[" + take_out(cid, by_id(bid)) + "]");
  const auto later = entries_of(pulled(api_, 0), "COLLECTION_BOOKMARK");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(num(later[0].at("timestamp")), ack_ts(removed, 0));
}

TEST_F(FavoritesCascadesTest, AddByDetailsCreatesTheBookmarkFirst) {
  auto setup = api_.push_ok("[" + make_collection("By details") + "]");
  const std::string cid = ack_id(setup, 0);
  auto added = api_.push_ok("[" + add(cid, R"("type":"surah","key":67)") + "]");
  const auto ms = pulled(api_, new_head(setup));
  ASSERT_EQ(ms.size(), 2u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("data").at("bookmarkType").as_string(), "surah");
  EXPECT_EQ(num(ms[0].at("data").at("key")), 67);
  const std::string bid = str(ms[0].at("resourceId"));
  EXPECT_EQ(ms[1].at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(ms[1].at("data").at("bookmarkId").as_string(), bid);
  EXPECT_EQ(ack_id(added, 0), cid + "-" + bid);
}

TEST_F(FavoritesCascadesTest, MembershipOfAnUnknownCollectionIsRejected) {
  auto setup = api_.push_ok("[" + make_ayah(6, 6) + "]");
  const auto head = api_.head();
  expect_validation_error(api_.push(head, "[" + add("no-such-collection", by_id(ack_id(setup, 0))) + "]"),
                          0, "data.collectionId");
  expect_validation_error(api_.push(head, "[" + make_ayah(6, 7) + "," +
                                              add("no-such-collection", R"("key":6,"verseNumber":8)") + "]"),
                          1, "data.collectionId");
  EXPECT_EQ(api_.head(), head);
  EXPECT_EQ(pulled(api_, 0).size(), 1u);
}

TEST_F(FavoritesCascadesTest, MembershipOfAnUnknownBookmarkIdIsRejected) {
  auto setup = api_.push_ok("[" + make_collection("Known") + "]");
  const auto head = api_.head();
  expect_validation_error(
      api_.push(head, "[" + make_ayah(7, 7) + "," + add(ack_id(setup, 0), by_id("no-such-bookmark")) + "]"),
      1, "data.bookmarkId");
  expect_validation_error(api_.push(head, "[" + add("__default__", by_id("no-such-bookmark")) + "]"), 0,
                          "data.bookmarkId");
  EXPECT_EQ(api_.head(), head);
  EXPECT_EQ(pulled(api_, 0).size(), 1u);
}

TEST_F(FavoritesCascadesTest, CollectionBookmarkUpdateIsRejected) {
  auto setup = api_.push_ok("[" + make_collection("No updates") + "," + make_ayah(8, 8) + "]");
  const auto head = api_.head();
  auto r = api_.push(head, R"([{"resource":"COLLECTION_BOOKMARK","type":"UPDATE","data":{"collectionId":")" +
                               ack_id(setup, 0) + R"(","bookmarkId":")" + ack_id(setup, 1) + R"("}}])");
  ASSERT_EQ(r.status, 422) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body.at("success"), json::value(false));
  EXPECT_EQ(body.at("error").at("code").as_string(), "ValidationError");
  const std::string message = str(body.at("error").at("message"));
  EXPECT_EQ(message.rfind(R"(Invalid mutation type: "UPDATE" at mutation[0])", 0), 0u) << message;
  EXPECT_EQ(api_.head(), head);
}

TEST_F(FavoritesCascadesTest, MembershipDeleteNeverDeletesTheBookmark) {
  auto setup = api_.push_ok("[" + make_collection("Only home") + "," + make_ayah(9, 9) + "]");
  const std::string cid = ack_id(setup, 0);
  const std::string bid = ack_id(setup, 1);
  auto added = api_.push_ok("[" + add(cid, by_id(bid)) + "]");
  auto removed = api_.push_ok("[" + take_out(cid, R"("key":9,"verseNumber":9)") + "]");
  EXPECT_EQ(ack_id(removed, 0), cid + "-" + bid);
  const auto ms = pulled(api_, new_head(added));
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  EXPECT_EQ(ms[0].at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(ms[0].at("data"),
            json::parse(R"({"collectionId":")" + cid + R"(","bookmarkId":")" + bid + R"("})"));
  EXPECT_EQ(bookmark_now(bid).at("type").as_string(), "CREATE");
}

TEST_F(FavoritesCascadesTest, DeletingAMissingMembershipIsANoOp) {
  auto setup = api_.push_ok("[" + make_collection("Nothing here") + "," + make_ayah(11, 11) + "]");
  const std::string cid = ack_id(setup, 0);
  auto r = api_.push_ok("[" + take_out(cid, by_id(ack_id(setup, 1))) + "," +
                        take_out(cid, R"("key":11,"verseNumber":12)") + "," +
                        take_out("__default__", by_id(ack_id(setup, 1))) + "]");
  ASSERT_EQ(r.at("mutations").as_array().size(), 3u);
  EXPECT_EQ(ack_id(r, 0), cid + "-" + ack_id(setup, 1));
  EXPECT_TRUE(pulled(api_, new_head(setup)).empty());
}

// ---- bookmark delete ----

TEST_F(FavoritesCascadesTest, BookmarkDeleteRemovesItsMemberships) {
  auto setup = api_.push_ok("[" + make_collection("One") + "," + make_collection("Two") + "," +
                            make_ayah(12, 1) + "," + make_ayah(12, 2) + "]");
  const std::string one = ack_id(setup, 0);
  const std::string two = ack_id(setup, 1);
  const std::string gone = ack_id(setup, 2);
  const std::string other = ack_id(setup, 3);
  auto added = api_.push_ok("[" + add(one, by_id(gone)) + "," + add(two, by_id(gone)) + "," +
                            add("__default__", by_id(gone)) + "," + add(one, by_id(other)) + "]");

  auto deleted = api_.push_ok("[" + delete_of("BOOKMARK", gone) + "]");
  ASSERT_EQ(deleted.at("mutations").as_array().size(), 1u);
  EXPECT_EQ(new_head(deleted), ack_ts(deleted, 0));
  const auto ms = pulled(api_, new_head(added));
  const auto memberships = entries_of(ms, "COLLECTION_BOOKMARK");
  EXPECT_EQ(pairs_of(memberships), (std::set<std::string>{one + "|" + gone, two + "|" + gone}));
  for (const auto& m : memberships) {
    EXPECT_EQ(m.at("type").as_string(), "DELETE");
    EXPECT_EQ(keys_of(m.at("data")), (std::set<std::string>{"collectionId", "bookmarkId"}));
  }
  auto b = only_entry(ms, "BOOKMARK", gone);
  EXPECT_EQ(b.at("type").as_string(), "DELETE");
  EXPECT_EQ(ms.size(), 3u) << json::serialize(ms);

  // The collections and the other membership are untouched.
  const auto all = pulled(api_, 0);
  EXPECT_EQ(only_entry(all, "COLLECTION", one).at("type").as_string(), "CREATE");
  EXPECT_EQ(only_entry(all, "COLLECTION", two).at("type").as_string(), "CREATE");
  std::set<std::string> live;
  for (const auto& m : entries_of(all, "COLLECTION_BOOKMARK")) {
    if (m.at("type").as_string() != "DELETE") live.insert(pair_of(m));
  }
  EXPECT_EQ(live, (std::set<std::string>{one + "|" + other}));
}

// ---- dependent creates in one batch (A13, with client-chosen ids) ----

TEST_F(FavoritesCascadesTest, CollectionCreatedAndFilledInOneBatch) {
  const auto start = api_.head();
  auto data = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","resourceId":"trip-2026","data":{"name":"Trip 2026"}},
      {"resource":"BOOKMARK","type":"CREATE","resourceId":"bm-kahf","data":{"key":18,"verseNumber":10}},
      {"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"trip-2026","bookmarkId":"bm-kahf"}},
      {"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"trip-2026","key":36,"verseNumber":58}}])");
  ASSERT_EQ(data.at("mutations").as_array().size(), 4u);
  EXPECT_EQ(ack_id(data, 0), "trip-2026");
  EXPECT_EQ(ack_id(data, 1), "bm-kahf");
  EXPECT_EQ(ack_id(data, 2), "trip-2026-bm-kahf");

  const auto ms = pulled(api_, start);
  EXPECT_EQ(only_entry(ms, "COLLECTION", "trip-2026").at("data").at("name").as_string(), "Trip 2026");
  const auto bookmarks = entries_of(ms, "BOOKMARK");
  ASSERT_EQ(bookmarks.size(), 2u);
  std::string yasin;
  for (const auto& b : bookmarks) {
    if (b.at("resourceId").as_string() != "bm-kahf") yasin = str(b.at("resourceId"));
  }
  ASSERT_FALSE(yasin.empty());
  EXPECT_EQ(ack_id(data, 3), "trip-2026-" + yasin);
  EXPECT_EQ(pairs_of(entries_of(ms, "COLLECTION_BOOKMARK")),
            (std::set<std::string>{"trip-2026|bm-kahf", "trip-2026|" + yasin}));

  // And a later delete of that collection cascades to both (now orphaned) bookmarks.
  auto deleted = api_.push_ok("[" + delete_of("COLLECTION", "trip-2026") + "]");
  const auto after = pulled(api_, new_head(data));
  EXPECT_EQ(entries_of(after, "BOOKMARK").size(), 2u);
  for (const auto& e : after) EXPECT_EQ(e.at("type").as_string(), "DELETE") << json::serialize(e);
  EXPECT_EQ(after.size(), 5u);
  EXPECT_EQ(num(after.back().at("timestamp")), ack_ts(deleted, 0));
}

}  // namespace
}  // namespace synclog::test
